import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  computeOmiseSignature,
  decodeWebhookSecret,
  SignatureInput,
  verifyOmiseSignature,
} from './omise-signature';

// Vectors computed independently with `openssl dgst -sha256 -mac HMAC -macopt hexkey:…` and pinned here.
const SECRET_A = 'F1BIYsDZbSDw+AbGHVJMxY/CQNjwjDJWBZ3HLhnKEzM=';
const SECRET_B = 'c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24='; // "second-secret-for-rotation"
const BODY = Buffer.from('{"object":"event","id":"evnt_test_1"}');
const TS = '1700000000';
const SIG_A = '260701666c9a3c66c3749fabce14140ade501cde9135b5cb8374c3f88ad28843';
const SIG_B = '026299883501cedb2e6170793a909aa1d91e368909e3732c0da83c28b0ac81b4';
const FIXTURE = readFileSync(
  join(__dirname, '../../test/fixtures/omise/event/omise-ruby__test_fixtures_api.omise.co_events_evnt_test_52cin5n9bb6lytxduh9-get.json'),
);
const SIG_FIXTURE_A = '806f939d10ab99aff36426661f499cb7d395a24a6f7a96f44a41f73214f66287';

function input(overrides: Partial<SignatureInput> = {}): SignatureInput {
  return {
    signatureHeader: [SIG_A],
    timestampHeader: [TS],
    rawBody: BODY,
    secrets: [decodeWebhookSecret(SECRET_A)],
    toleranceSeconds: 300,
    nowSeconds: Number(TS),
    ...overrides,
  };
}

describe('computeOmiseSignature', () => {
  it('matches the pinned HMAC-SHA256 vectors', () => {
    expect(computeOmiseSignature(decodeWebhookSecret(SECRET_A), TS, BODY).toString('hex')).toBe(SIG_A);
    expect(computeOmiseSignature(decodeWebhookSecret(SECRET_B), TS, BODY).toString('hex')).toBe(SIG_B);
  });

  it('signs the exact bytes of a pretty-printed Omise payload', () => {
    expect(computeOmiseSignature(decodeWebhookSecret(SECRET_A), TS, FIXTURE).toString('hex')).toBe(
      SIG_FIXTURE_A,
    );
  });
});

describe('verifyOmiseSignature', () => {
  it('accepts a valid signature', () => {
    expect(verifyOmiseSignature(input())).toEqual({ ok: true });
  });

  it('accepts upper-case hex and surrounding blanks', () => {
    expect(verifyOmiseSignature(input({ signatureHeader: [` ${SIG_A.toUpperCase()} `] }))).toEqual({ ok: true });
  });

  it.each([
    ['first of two', `${SIG_A},${SIG_B}`, [SECRET_A]],
    ['second of two', `${SIG_B},${SIG_A}`, [SECRET_A]],
    ['either configured secret', SIG_B, [SECRET_A, SECRET_B]],
    ['junk next to one valid value', `not-hex,${'0'.repeat(63)},${SIG_B}`, [SECRET_B]],
  ])('accepts during rotation: %s', (_name, header, secrets) => {
    const verdict = verifyOmiseSignature(
      input({ signatureHeader: [header], secrets: secrets.map(decodeWebhookSecret) }),
    );
    expect(verdict).toEqual({ ok: true });
  });

  it.each<[string, Partial<SignatureInput>, string]>([
    ['no signature header', { signatureHeader: undefined }, 'signature_header_missing'],
    ['an empty signature header', { signatureHeader: ['  '] }, 'signature_header_missing'],
    ['a signature header sent twice', { signatureHeader: [SIG_A, SIG_A] }, 'signature_header_malformed'],
    ['a signature that is not hex', { signatureHeader: ['zz' + SIG_A.slice(2)] }, 'signature_header_malformed'],
    ['a signature of the wrong length', { signatureHeader: [SIG_A.slice(0, 62)] }, 'signature_header_malformed'],
    ['only commas', { signatureHeader: [',,'] }, 'signature_header_malformed'],
    ['no timestamp header', { timestampHeader: undefined }, 'timestamp_header_missing'],
    ['an empty timestamp', { timestampHeader: [''] }, 'timestamp_header_missing'],
    ['a timestamp sent twice', { timestampHeader: [TS, TS] }, 'timestamp_header_malformed'],
    ['a fractional timestamp', { timestampHeader: ['1700000000.5'] }, 'timestamp_header_malformed'],
    ['a timestamp in milliseconds-looking garbage', { timestampHeader: ['1e9'] }, 'timestamp_header_malformed'],
    ['a negative timestamp', { timestampHeader: ['-1700000000'] }, 'timestamp_header_malformed'],
    ['a signature for another secret', { secrets: [decodeWebhookSecret(SECRET_B)] }, 'signature_mismatch'],
    ['a signature for another body', { rawBody: Buffer.from(BODY.toString() + ' ') }, 'signature_mismatch'],
    ['a stale timestamp', { nowSeconds: Number(TS) + 301 }, 'timestamp_too_old'],
    ['a timestamp from the future', { nowSeconds: Number(TS) - 301 }, 'timestamp_in_future'],
  ])('rejects %s', (_name, overrides, failure) => {
    expect(verifyOmiseSignature(input(overrides))).toEqual({ ok: false, failure });
  });

  it('accepts a timestamp exactly at the tolerance in both directions', () => {
    expect(verifyOmiseSignature(input({ nowSeconds: Number(TS) + 300 }))).toEqual({ ok: true });
    expect(verifyOmiseSignature(input({ nowSeconds: Number(TS) - 300 }))).toEqual({ ok: true });
  });

  it('signs the timestamp text as sent: another timestamp with the same signature fails', () => {
    const verdict = verifyOmiseSignature(input({ timestampHeader: ['1700000001'] }));
    expect(verdict).toEqual({ ok: false, failure: 'signature_mismatch' });
  });
});

describe('decodeWebhookSecret', () => {
  it.each(['', '   ', 'not base64!', 'abcde'])('refuses %j', (secret) => {
    expect(() => decodeWebhookSecret(secret)).toThrow(/webhook secret/);
  });

  it('decodes the dashboard text to bytes', () => {
    expect(decodeWebhookSecret(SECRET_B).toString()).toBe('second-secret-for-rotation');
  });
});
