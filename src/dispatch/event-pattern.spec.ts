import { patternMatches } from './event-pattern';

describe('patternMatches', () => {
  it.each<[string, string, boolean, boolean]>([
    ['charge.complete', 'charge.complete', false, true],
    ['charge.*', 'charge.complete', false, false],
    ['charge.*', 'charge.complete', true, true],
    ['charge.*', 'customer.update.card', true, false],
    ['customer.*', 'customer.update.card', true, false],
    ['customer.**', 'customer.update.card', true, true],
    ['**', 'linked_account.complete', true, true],
    ['*.complete', 'charge.complete', true, true],
    ['charge.complete', 'charge.expire', true, false],
  ])('%s vs %s (wildcard %s) → %s', (pattern, key, wildcard, expected) => {
    expect(patternMatches(pattern, key, wildcard)).toBe(expected);
  });
});
