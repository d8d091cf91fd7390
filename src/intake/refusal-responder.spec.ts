import { Logger } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { escaped } from '../common/log-text';
import { Masker } from '../masking/masker';
import type { WebhooksTelemetry } from '../telemetry/telemetry';
import { IntakeRefusal, signatureRefusal } from './intake-refusal';
import { RefusalResponder } from './refusal-responder';

// Metrics and spans are off here: only what the refusal answers and logs is under test.
const telemetry = { intakeAnswered: () => undefined } as unknown as WebhooksTelemetry;

interface Sent {
  status: number;
  headers: Record<string, string | number>;
  body: unknown;
}

function responseCapturing(sent: Sent[]): ServerResponse {
  let status = 0;
  let headers: Record<string, string | number> = {};
  return {
    headersSent: false,
    writeHead(code: number, given: Record<string, string | number>) {
      status = code;
      headers = given;
      return this;
    },
    end(text: string) {
      sent.push({ status, headers, body: JSON.parse(text) });
    },
  } as unknown as ServerResponse;
}

describe('RefusalResponder', () => {
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    warn.mockRestore();
    error.mockRestore();
    jest.useRealTimers();
  });

  it('answers every refusal with its status and reason as JSON', () => {
    const sent: Sent[] = [];
    const refusals = new RefusalResponder(telemetry, new Masker());
    refusals.answer(responseCapturing(sent), signatureRefusal('signature_mismatch'));
    refusals.answer(responseCapturing(sent), new IntakeRefusal('invalid_event', 'bad', ['id must be a string']));
    expect(sent).toEqual([
      { status: 401, headers: expect.objectContaining({ 'Content-Type': 'application/json; charset=utf-8' }), body: { statusCode: 401, reason: 'signature_mismatch', message: expect.any(String) } },
      { status: 400, headers: expect.any(Object), body: { statusCode: 400, reason: 'invalid_event', message: 'bad', details: ['id must be a string'] } },
    ]);
  });

  it('logs one line per reason per 10 s and counts the rest, so a flood cannot flood the log', () => {
    const refusals = new RefusalResponder(telemetry, new Masker());
    for (let i = 0; i < 5; i++) refusals.answer(responseCapturing([]), signatureRefusal('signature_mismatch'));
    refusals.answer(responseCapturing([]), signatureRefusal('timestamp_too_old'));
    expect(warn.mock.calls.map((call: unknown[]) => call[0])).toEqual([
      'intake refused (401 signature_mismatch)',
      'intake refused (401 timestamp_too_old)',
    ]);
    jest.advanceTimersByTime(10_000);
    refusals.answer(responseCapturing([]), signatureRefusal('signature_mismatch'));
    expect(warn).toHaveBeenLastCalledWith('intake refused (401 signature_mismatch) (+4 more since the last line)');
  });

  it("logs a server-side failure at ERROR with its cause's message escaped, never the request", () => {
    const cause = new Error('invalid byte sequence for encoding "UTF8": 0x00 near evnt_\u0000\nforged');
    new RefusalResponder(telemetry, new Masker()).answer(responseCapturing([]), new IntakeRefusal('store_unavailable', 'The event could not be stored.', undefined, cause));
    expect(error).toHaveBeenCalledTimes(1);
    const line = String(error.mock.calls[0][0]);
    expect(line).toBe('intake refused (503 store_unavailable): The event could not be stored.: invalid byte sequence for encoding "UTF8": 0x00 near evnt_\\u0000\\u000aforged');
    expect([...line].filter((c) => c.charCodeAt(0) < 0x20)).toEqual([]);
  });

  it('escapes control characters and bounds the length of what it logs', () => {
    expect(escaped('a\u0000b\u2028c')).toBe('a\\u0000b\\u2028c');
    expect(escaped('x'.repeat(2000))).toHaveLength(500);
  });
});
