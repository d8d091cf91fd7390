import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isOmiseEventKey, OMISE_EVENT_OBJECTS } from 'omise-nest-webhooks';
import { fixture, omiseEvent } from '../testing/omise-fixtures';
import { amountValue, currencyValue, subjectIdOf, textValue } from './payload-values';

describe('payload values', () => {
  it('every recorded event in the fixtures has a catalogue key and the object the catalogue names', () => {
    const files = readdirSync(join(__dirname, '../../../test/fixtures/omise/event'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const event = fixture(`event/${file}`);
      const key = String(event.key);
      expect([file, isOmiseEventKey(key)]).toEqual([file, true]);
      if (isOmiseEventKey(key)) expect([file, (event.data as { object?: unknown }).object]).toEqual([file, OMISE_EVENT_OBJECTS[key]]);
    }
  });

  it('subjectIdOf wants the object the key promises, with an id that fits the columns', () => {
    const at = { id: 'evnt_test_1', created_at: '2025-01-01T00:00:00Z' };
    expect(subjectIdOf(omiseEvent('charge.create', at, { object: 'charge', id: 'chrg_test_1' }))).toBe('chrg_test_1');
    expect(subjectIdOf(omiseEvent('charge.create', at, { object: 'refund', id: 'rfnd_test_1' }))).toBeUndefined();
    expect(subjectIdOf(omiseEvent('charge.create', at, { object: 'charge' }))).toBeUndefined();
    expect(subjectIdOf(omiseEvent('charge.create', at, { object: 'charge', id: 'x'.repeat(65) }))).toBeUndefined();
  });

  it.each([
    ['thb', 'THB'],
    ['THB', 'THB'],
    ['jpy', 'JPY'],
    ['baht', undefined],
    [null, undefined],
  ])('currency %p → %p', (value, expected) => {
    expect(currencyValue(value)).toBe(expected);
  });

  it('keeps absent, null and present apart, and cuts over-long text to the column', () => {
    expect(textValue(undefined, 5)).toBeUndefined();
    expect(textValue(null, 5)).toBeNull();
    expect(textValue('abcdefgh', 5)).toBe('abcde');
    expect(textValue(42, 5)).toBe('42');
    expect(amountValue(100000)).toBe(100000);
    expect([amountValue(-1), amountValue(1.5), amountValue('100')]).toEqual([undefined, undefined, undefined]);
  });
});
