import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { WebhookTelemetry } from '../telemetry/telemetry';
import { WebhooksConfig } from '../webhooks.options';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyOmiseSignature } from '../wire/omise-signature';
import { IntakeError, signatureError } from './intake-error';
import { headerRefusal, type RawBodyRequest, tooLarge } from './webhook-body';

/**
 * Lets a request through only if it is signed with a configured secret over its exact bytes. Checks
 * run cheapest first and in the order of the status table: 415, 413 (done already by the body reader
 * on Express; here for a host whose own parser read the body), 500 (no raw body), 400 (headers), 401
 * (signature, time).
 */
@Injectable()
export class OmiseSignatureGuard implements CanActivate {
  constructor(
    @Inject(WebhooksConfig) private readonly config: WebhooksConfig,
    private readonly telemetry: WebhookTelemetry,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RawBodyRequest>();
    const refusal = headerRefusal(request, this.config.maxBodyBytes);
    if (refusal) throw refusal;
    if ((request.rawBody?.length ?? 0) > this.config.maxBodyBytes) throw tooLarge(this.config.maxBodyBytes);
    if (!Buffer.isBuffer(request.rawBody)) {
      throw new IntakeError(
        'raw_body_unavailable',
        'The raw request body is not available, so the signature cannot be checked. Create the app with ' +
          '`NestFactory.create(AppModule, { rawBody: true })` and do not replace the JSON body parser ' +
          'without keeping `rawBody`.',
      );
    }
    const rawBody = request.rawBody;
    const verdict = this.telemetry.step(request, 'verify', () =>
      verifyOmiseSignature({
        signatureHeader: request.headersDistinct[SIGNATURE_HEADER],
        timestampHeader: request.headersDistinct[TIMESTAMP_HEADER],
        rawBody,
        secrets: this.config.secrets,
        toleranceSeconds: this.config.toleranceSeconds,
        nowSeconds: Math.floor(Date.now() / 1000),
      }),
    );
    if (!verdict.ok) throw signatureError(verdict.failure);
    return true;
  }
}
