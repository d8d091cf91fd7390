import { isDuplicate, newDelivery, reasonOf, signedRequest, storedStatuses } from './support/fault-outcomes';
import { eventBody, releaseTogether, timedPost } from './support/omise-events';
import { installPoisonTrigger, POISON_PREFIX } from './support/poison-trigger';
import { testDatabases } from './support/test-databases';
import { countStored, useWebhooksTestApp } from './support/webhooks-test-app';

// Issue 9, item 2: one event must not poison its batch-mates.
const PRINTABLE = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');

describe.each(testDatabases())('poison events on $name', (kind) => {
  const t = useWebhooksTestApp(kind);
  beforeAll(() => installPoisonTrigger(t.dataSource, kind.name));

  describe('an id or key that is not 1–64 / 1–100 printable ASCII characters is 400 invalid_event and stores nothing', () => {
    const long = (n: number) => `evnt_${'x'.repeat(n - 5)}`;
    it.each<[string, Record<string, unknown>]>([
      ['a NUL in the id', { id: 'evnt_test_\u0000nul' }],
      ['a NUL alone as the id', { id: '\u0000' }],
      ['a control character in the id', { id: 'evnt_test_\u0001' }],
      ['a tab in the id', { id: 'evnt_test_\tx' }],
      ['a newline in the id', { id: 'evnt_test_\nx' }],
      ['DEL in the id', { id: 'evnt_test_\u007f' }],
      ['a space in the id', { id: 'evnt_test x' }],
      ['a leading space in the id', { id: ' evnt_test_x' }],
      ['a non-ASCII letter in the id', { id: 'evnt_test_é' }],
      ['a no-break space in the id', { id: 'evnt_test_\u00a0x' }],
      ['a C1 control in the id', { id: 'evnt_test_\u0085x' }],
      ['an emoji in the id', { id: 'evnt_test_🙂' }],
      ['an unpaired surrogate in the id', { id: 'evnt_test_\ud800' }],
      ['an id of 65 characters', { id: long(65) }],
      ['an empty id', { id: '' }],
      ['a NUL in the key', { key: 'charge.complete\u0000' }],
      ['a control character in the key', { key: 'charge.\u001fcomplete' }],
      ['a space in the key', { key: 'charge complete' }],
      ['a non-ASCII letter in the key', { key: 'charge.complété' }],
      ['an unpaired surrogate in the key', { key: 'charge.\udc00' }],
      ['a key of 101 characters', { key: `charge.${'x'.repeat(94)}` }],
    ])('%s', async (_name, envelope) => {
      const before = await countStored(t.dataSource);
      const body = eventBody(envelope);
      const response = await timedPost(t.server, signedRequest(body));
      expect({ status: response.status, reason: reasonOf(response) }).toEqual({ status: 400, reason: 'invalid_event' });
      expect(JSON.parse(response.body)).toMatchObject({ statusCode: 400, message: expect.any(String) });
      await expect(countStored(t.dataSource)).resolves.toBe(before);
    });

    it.each<[string, string]>([
      ['the malformed envelope behind a __proto__ key', '{"__proto__":{},"object":"event","id":"evnt test <b>spaces</b>","livemode":"yes","key":{"$gt":1},"data":"not an object"}'],
      ['its NUL variant', '{"__proto__":{},"object":"event","id":"evnt_\\u0000","livemode":"yes","key":{"$gt":1},"data":"not an object"}'],
      ['a valid event with a __proto__ key', `{"__proto__":{"isAdmin":true},${eventBody().slice(1)}`],
    ])('%s (signed) is 400 invalid_event and stores nothing', async (_name, body) => {
      const before = await countStored(t.dataSource);
      const response = await timedPost(t.server, signedRequest(body));
      expect({ status: response.status, reason: reasonOf(response) }).toEqual({ status: 400, reason: 'invalid_event' });
      await expect(countStored(t.dataSource)).resolves.toBe(before);
    });

    it.each<[string, Record<string, string>]>([
      ['an id of 64 printable characters, every kind of punctuation', { id: `e${PRINTABLE.slice(0, 63)}` }],
      ['an id of the rest of printable ASCII', { id: PRINTABLE.slice(63) }],
      ['an id of one character', { id: 'e' }],
      ['a key of 100 characters', { key: `charge.${'x'.repeat(93)}` }],
    ])('but %s is taken and stored as it is', async (_name, envelope) => {
      const body = eventBody(envelope);
      const id = envelope.id ?? (JSON.parse(body) as { id: string }).id;
      const response = await timedPost(t.server, signedRequest(body));
      expect({ status: response.status, reason: reasonOf(response) }).toEqual({ status: 200, reason: undefined });
      await expect(countStored(t.dataSource, id)).resolves.toBe(1);
    });
  });

  it('a row the database refuses, released together with 12 valid deliveries (one multi-row INSERT), fails alone: the 12 are 200 and stored', async () => {
    const valid = Array.from({ length: 12 }, () => newDelivery());
    const poison = newDelivery({ id: `${POISON_PREFIX}${Date.now()}` });
    const together = [...valid.slice(0, 6), poison, ...valid.slice(6)];
    const responses = await releaseTogether(t.server, together.map((d) => d.request));
    const answers = together.map((d, i) => ({ id: d.id, status: responses[i].status, reason: reasonOf(responses[i]), duplicate: isDuplicate(responses[i]) }));
    expect(answers).toEqual(
      together.map((d) =>
        d === poison
          ? { id: d.id, status: 503, reason: 'store_unavailable', duplicate: undefined }
          : { id: d.id, status: 200, reason: undefined, duplicate: false },
      ),
    );
    const stored = await storedStatuses(t.dataSource, together.map((d) => d.id));
    expect(together.filter((d) => stored.has(d.id)).map((d) => d.id)).toEqual(valid.map((d) => d.id));
  });
});
