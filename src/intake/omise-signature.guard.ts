import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { signatureError, IntakeError } from './intake-error';
import { WebhooksConfig } from '../webhooks.options';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyOmiseSignature } from '../wire/omise-signature';

export type RawBodyRequest = Request & { rawBody?: Buffer };

const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

/**
 * Lets a request through only if it is JSON, within the size limit, and signed with a configured
 * secret over its exact bytes. Checks run cheapest first and in the order of the status table:
 * 415, 413, 500 (host misconfigured), 400 (headers), 401 (signature, time).
 */
@Injectable()
export class OmiseSignatureGuard implements CanActivate {
  constructor(@Inject(WebhooksConfig) private readonly config: WebhooksConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<RawBodyRequest>();
    if (!JSON_MEDIA_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new IntakeError('unsupported_media_type', 'Omise webhooks are sent as Content-Type: application/json.');
    }
    const declaredLength = Number(request.headers['content-length']);
    if (declaredLength > this.config.maxBodyBytes || (request.rawBody?.length ?? 0) > this.config.maxBodyBytes) {
      throw new IntakeError('payload_too_large', `The body exceeds the limit of ${this.config.maxBodyBytes} bytes.`);
    }
    if (!Buffer.isBuffer(request.rawBody)) {
      throw new IntakeError(
        'raw_body_unavailable',
        'The raw request body is not available, so the signature cannot be checked. Create the app with ' +
          '`NestFactory.create(AppModule, { rawBody: true })` and do not replace the JSON body parser ' +
          'without keeping `rawBody`.',
      );
    }
    const verdict = verifyOmiseSignature({
      signatureHeader: request.headersDistinct[SIGNATURE_HEADER],
      timestampHeader: request.headersDistinct[TIMESTAMP_HEADER],
      rawBody: request.rawBody,
      secrets: this.config.secrets,
      toleranceSeconds: this.config.toleranceSeconds,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    if (!verdict.ok) throw signatureError(verdict.failure);
    return true;
  }
}
