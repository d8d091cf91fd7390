import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { WebhooksTelemetry } from '../telemetry/telemetry';
import { accountAt, type ResolvedAccount, WebhooksConfig } from '../webhooks.config';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyOmiseSignature } from '../wire/omise-signature';
import { DeliveryContext, type RawBodyRequest } from './delivery-context';
import { IntakeRefusal, signatureRefusal, tooLarge, unknownAccount } from './intake-refusal';
import { nodeRequestOf, type PlatformRequest } from './platform';

const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;

/**
 * Decides whether a delivery is authentic: what its headers say (415 for a content type Omise does
 * not send, 413 for a declared length over the limit), that its raw bytes are there (500 if a host's
 * middleware removed them), and that they are signed with a configured secret within the tolerance
 * (400 for malformed signature headers, 401 otherwise). The guard asks it, and so does the body
 * reader, ahead of Nest, as soon as the body is in.
 */
@Injectable()
export class DeliveryVerifier {
  constructor(
    @Inject(WebhooksConfig) private readonly config: WebhooksConfig,
    private readonly telemetry: WebhooksTelemetry,
  ) {}

  /** Why the headers alone refuse the delivery, before any byte of the body is read; undefined when they are fine. */
  headerRefusal(request: IncomingMessage): IntakeRefusal | undefined {
    const type = request.headers['content-type'] ?? '';
    const charset = CHARSET.exec(type)?.[1].toLowerCase();
    const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (!JSON_MEDIA_TYPE.test(type) || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') || encoding !== 'identity') {
      return new IntakeRefusal('unsupported_media_type', 'Omise webhooks are sent as Content-Type: application/json, UTF-8, not compressed.');
    }
    if (Number(request.headers['content-length']) > this.config.maxBodyBytes) return tooLarge(this.config.maxBodyBytes);
    return undefined;
  }

  /**
   * The account of the endpoint the request came to (from its path, `<path>/<name>`), remembered for
   * the rest of the delivery; undefined when this app has no such account.
   */
  accountOf(request: PlatformRequest & Pick<RawBodyRequest, 'params'>): ResolvedAccount | undefined {
    const context = DeliveryContext.of(request);
    context.account ??= accountAt(this.config, request.params?.account);
    return context.account;
  }

  /** Why the whole delivery is refused, cheapest check first, in the order of the status table; undefined when authentic. */
  refusal(request: RawBodyRequest): IntakeRefusal | undefined {
    const { rawBody } = request;
    // Passed the body reader's check already, with these very bytes: nothing about it has changed since.
    if (rawBody !== undefined && DeliveryContext.of(request).verifiedBody === rawBody) return undefined;
    const account = this.accountOf(request);
    if (!account) return unknownAccount(request.params?.account);
    const refusal = this.headerRefusal(request);
    if (refusal) return refusal;
    if ((rawBody?.length ?? 0) > this.config.maxBodyBytes) return tooLarge(this.config.maxBodyBytes);
    if (!Buffer.isBuffer(rawBody)) {
      return new IntakeRefusal(
        'raw_body_unavailable',
        'The raw request body is not available, so the signature cannot be checked. Create the app with ' +
          '`NestFactory.create(AppModule, { rawBody: true })` and do not replace the JSON body parser ' +
          'without keeping `rawBody`.',
      );
    }
    // Node's request: Fastify's has no `headersDistinct`.
    return this.signatureRefusal(nodeRequestOf(request), rawBody, account);
  }

  /**
   * The signature alone, against the account's secrets, for bytes already within the limits (the body
   * reader checked the headers and the size as it read them): why it fails, or undefined, remembered
   * for the rest of the delivery. Another account's secret never passes.
   */
  signatureRefusal(request: IncomingMessage, rawBody: Buffer, account: ResolvedAccount): IntakeRefusal | undefined {
    const context = DeliveryContext.of(request);
    const verdict = this.telemetry.step(context.trace, 'verify', () =>
      verifyOmiseSignature({
        signatureHeader: request.headersDistinct[SIGNATURE_HEADER],
        timestampHeader: request.headersDistinct[TIMESTAMP_HEADER],
        rawBody,
        secrets: account.secrets,
        toleranceSeconds: this.config.toleranceSeconds,
        nowSeconds: Math.floor(Date.now() / 1000),
      }),
    );
    if (!verdict.ok) return signatureRefusal(verdict.failure);
    context.verifiedBody = rawBody;
    return undefined;
  }
}

/**
 * Lets a request onto the webhook route only if {@link DeliveryVerifier} finds it authentic. On
 * Express and Fastify the body reader has asked the verifier already and answered a forged request
 * itself; the guard still decides for every request that reaches the route (a host whose own parser
 * read the body, another platform), without checking the same bytes twice.
 */
@Injectable()
export class OmiseSignatureGuard implements CanActivate {
  constructor(private readonly verifier: DeliveryVerifier) {}

  canActivate(context: ExecutionContext): boolean {
    const refusal = this.verifier.refusal(context.switchToHttp().getRequest<RawBodyRequest>());
    if (refusal) throw refusal;
    return true;
  }
}
