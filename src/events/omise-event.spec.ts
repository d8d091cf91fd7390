import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OmiseEventError } from '../errors/omise-event.error';
import { readDelivery } from './omise-event';

const fixture = (name: string) => readFileSync(join(__dirname, '../../test/fixtures/omise/event', name));
const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const valid = { object: 'event', id: 'evnt_test_1', key: 'charge.complete', livemode: false, data: { object: 'charge', id: 'chrg_test_1' } };

function reasonOf(raw: Buffer): string | undefined {
  try {
    readDelivery(raw);
    return undefined;
  } catch (error) {
    return error instanceof OmiseEventError ? error.problem : 'unexpected';
  }
}

describe('readDelivery (parseOmiseEvent)', () => {
  it('reads the 2019-05-29 shape (created_at) and normalizes createdAt', () => {
    const { event } = readDelivery(body({ ...valid, created_at: '2019-05-29T10:00:00Z' }));
    expect(event.createdAt.toISOString()).toBe('2019-05-29T10:00:00.000Z');
  });

  it('reads the 2017-11-02 shape (created, with an offset)', () => {
    const { event } = readDelivery(body({ ...valid, created: '2017-11-04T19:12:35+07:00' }));
    expect(event.createdAt.toISOString()).toBe('2017-11-04T12:12:35.000Z');
  });

  it('keeps unknown fields and returns the exact text', () => {
    const raw = Buffer.from(JSON.stringify({ ...valid, created_at: '2020-01-01T00:00:00Z', team_uid: 'x' }, null, 2));
    const { event, bodyText } = readDelivery(raw);
    expect(event.team_uid).toBe('x');
    expect(Buffer.from(bodyText)).toEqual(raw);
  });

  it('accepts a real pretty-printed Omise payload', () => {
    const { event } = readDelivery(fixture('omise-ruby__test_fixtures_api.omise.co_events_evnt_test_52cin5n9bb6lytxduh9-get.json'));
    expect(event).toMatchObject({ id: 'evnt_test_52cin5n9bb6lytxduh9', key: 'charge.create' });
  });

  it.each<[string, Buffer, string]>(
    ([
      ['not JSON', Buffer.from('{"object":'), 'invalid_json'],
      ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'invalid_json'],
      ['a JSON array', body([valid]), 'invalid_event'],
      ['a JSON string', body('event'), 'invalid_event'],
      ['another object', body({ ...valid, object: 'charge', created_at: '2020-01-01T00:00:00Z' }), 'invalid_event'],
      ['no id', body({ ...valid, id: undefined, created_at: '2020-01-01T00:00:00Z' }), 'invalid_event'],
      ['an empty key', body({ ...valid, key: '', created_at: '2020-01-01T00:00:00Z' }), 'invalid_event'],
      ['livemode as a string', body({ ...valid, livemode: 'false', created_at: '2020-01-01T00:00:00Z' }), 'invalid_event'],
      ['data missing', body({ ...valid, data: undefined, created_at: '2020-01-01T00:00:00Z' }), 'invalid_event'],
      ['no creation time', body(valid), 'invalid_event'],
      ['a creation time that is not a time', body({ ...valid, created_at: 'yesterday' }), 'invalid_event'],
      ['a creation time that is ISO-8601 but no day', body({ ...valid, created_at: '2026-W05' }), 'invalid_event'],
      ['data as an array', body({ ...valid, data: [{ object: 'charge' }], created_at: '2020-01-01T00:00:00Z' }), 'invalid_event'],
      ['a key that is an object', body({ ...valid, key: { $gt: 1 }, created_at: '2020-01-01T00:00:00Z' }), 'invalid_event'],
      // A `__proto__` key replaced the prototype of the object the validator was given, which then
      // had no rules to check: this one was accepted, and its worker failed on it forever.
      [
        'the malformed envelope behind a __proto__ key',
        Buffer.from('{"__proto__":{},"object":"event","id":"evnt test <b>spaces</b>","livemode":"yes","key":{"$gt":1},"data":"not an object"}'),
        'invalid_event',
      ],
      ['a __proto__ key in an otherwise valid event', Buffer.from(`{"__proto__":{"admin":true},${JSON.stringify({ ...valid, created_at: '2020-01-01T00:00:00Z' }).slice(1)}`), 'invalid_event'],
      ['a __proto__ key deep in data', body({ ...valid, created_at: '2020-01-01T00:00:00Z', data: { object: 'charge', id: 'c', metadata: { __x__: 1 } } }).toString().replace('__x__', '__proto__'), 'invalid_event'],
      ['a __proto__ key spelled with an escape', Buffer.from(`{"\\u005f_proto__":{},${JSON.stringify({ ...valid, created_at: '2020-01-01T00:00:00Z' }).slice(1)}`), 'invalid_event'],
    ] as Array<[string, Buffer | string, string]>).map(([name, raw, reason]) => [name, Buffer.isBuffer(raw) ? raw : Buffer.from(raw), reason]),
  )('refuses %s', (_name, raw, reason) => {
    expect(reasonOf(raw)).toBe(reason);
  });

  it('keeps a constructor or prototype key of the merchant (only __proto__ has a meaning to JavaScript)', () => {
    const raw = body({ ...valid, created_at: '2020-01-01T00:00:00Z', data: { object: 'charge', id: 'c', metadata: { constructor: 'x', prototype: 1 } } });
    expect(readDelivery(raw).event.data).toEqual({ object: 'charge', id: 'c', metadata: { constructor: 'x', prototype: 1 } });
  });

  it('names the failing fields', () => {
    expect(() => readDelivery(body({ ...valid, livemode: 1 }))).toThrow(
      expect.objectContaining({ details: expect.arrayContaining([expect.stringMatching(/livemode/)]) }),
    );
  });
});
