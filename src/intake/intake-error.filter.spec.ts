import { ArgumentsHost, Logger } from '@nestjs/common';
import { signatureError, IntakeError } from './intake-error';
import { IntakeErrorFilter } from './intake-error.filter';

function hostCapturing(sent: Array<{ status: number; body: unknown }>): ArgumentsHost {
  const response = {
    status(code: number) {
      return { json: (body: unknown) => sent.push({ status: code, body }) };
    },
  };
  return { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
}

describe('IntakeErrorFilter', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    warn.mockRestore();
    jest.useRealTimers();
  });

  it('answers every refusal with its status and reason', () => {
    const sent: Array<{ status: number; body: unknown }> = [];
    new IntakeErrorFilter().catch(signatureError('signature_mismatch'), hostCapturing(sent));
    new IntakeErrorFilter().catch(new IntakeError('invalid_event', 'bad', ['id must be a string']), hostCapturing(sent));
    expect(sent).toEqual([
      { status: 401, body: { statusCode: 401, reason: 'signature_mismatch', message: expect.any(String) } },
      { status: 400, body: { statusCode: 400, reason: 'invalid_event', message: 'bad', details: ['id must be a string'] } },
    ]);
  });

  it('logs one line per reason per 10 s and counts the rest, so a flood cannot flood the log', () => {
    const filter = new IntakeErrorFilter();
    const host = hostCapturing([]);
    for (let i = 0; i < 5; i++) filter.catch(signatureError('signature_mismatch'), host);
    filter.catch(signatureError('timestamp_too_old'), host);
    expect(warn.mock.calls.map((call: unknown[]) => call[0])).toEqual([
      'intake refused (401 signature_mismatch)',
      'intake refused (401 timestamp_too_old)',
    ]);
    jest.advanceTimersByTime(10_000);
    filter.catch(signatureError('signature_mismatch'), host);
    expect(warn).toHaveBeenLastCalledWith('intake refused (401 signature_mismatch) (+4 more since the last line)');
  });
});
