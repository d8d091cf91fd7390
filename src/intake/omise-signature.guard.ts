import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { WebhookTelemetry } from '../telemetry/telemetry';
import { WebhooksConfig } from '../webhooks.options';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyOmiseSignature } from '../wire/omise-signature';
import { IntakeError, signatureError } from './intake-error';
import { headerRefusal, type RawBodyRequest, tooLarge } from './delivery-headers';

/**
 * Requests whose signature passed, with the very bytes it passed for (a body replaced since is checked
 * again). Shared by every instance: Nest makes its own instance of a guard named in `@UseGuards`,
 * apart from the provider the body reader is given. A request reaches one route only, so it is
 * checked against that route's secrets.
 */
const verifiedBodies = new WeakMap<IncomingMessage, Buffer>();

/**
 * Lets a request through only if it is signed with a configured secret over its exact bytes. Checks
 * run cheapest first and in the order of the status table: 415, 413 (done already by the body reader
 * on Express; here for a host whose own parser read the body), 500 (no raw body), 400 (headers), 401
 * (signature, time).
 *
 * On Express the body reader asks first, as soon as the body is in, and answers a refusal itself: a
 * forged request then never reaches Nest's router, guards and exception filters, which is most of
 * what it would cost. The guard still runs for every request that gets to the route, and does not
 * compute the HMAC twice for one the reader passed.
 */
@Injectable()
export class OmiseSignatureGuard implements CanActivate {
  constructor(
    @Inject(WebhooksConfig) private readonly config: WebhooksConfig,
    private readonly telemetry: WebhookTelemetry,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const refusal = this.refusalFor(context.switchToHttp().getRequest<RawBodyRequest>());
    if (refusal) throw refusal;
    return true;
  }

  /** Why the request must be refused, or undefined when it is signed with a configured secret. */
  refusalFor(request: RawBodyRequest): IntakeError | undefined {
    // Passed by the body reader already, with these very bytes: nothing about it has changed since.
    if (request.rawBody !== undefined && verifiedBodies.get(request) === request.rawBody) return undefined;
    const refusal = headerRefusal(request, this.config.maxBodyBytes);
    if (refusal) return refusal;
    if ((request.rawBody?.length ?? 0) > this.config.maxBodyBytes) return tooLarge(this.config.maxBodyBytes);
    if (!Buffer.isBuffer(request.rawBody)) {
      return new IntakeError(
        'raw_body_unavailable',
        'The raw request body is not available, so the signature cannot be checked. Create the app with ' +
          '`NestFactory.create(AppModule, { rawBody: true })` and do not replace the JSON body parser ' +
          'without keeping `rawBody`.',
      );
    }
    return this.signatureRefusal(request, request.rawBody);
  }

  /**
   * The signature alone, for a body already within the limits (the body reader checked the headers
   * and the size as it read): why it fails, or undefined, remembered for the guard.
   */
  signatureRefusal(request: IncomingMessage, rawBody: Buffer): IntakeError | undefined {
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
    if (!verdict.ok) return signatureError(verdict.failure);
    verifiedBodies.set(request, rawBody);
    return undefined;
  }
}
