import { MASKED, maskedBody, maskJson, maskText } from './mask';

describe('masking of stored data', () => {
  it.each([
    ['4242424242424242', '••••••••••••4242'],
    ['card 4242 4242 4242 4242 declined', 'card ••••••••••••4242 declined'],
    ['4111-1111-1111-1111', '••••••••••••1111'],
    ['3782822463100 05', '•••••••••••0005'],
    ['6011000990139424123', '•••••••••••••••4123'],
  ])('keeps the last 4 digits of a card number: %s', (text, masked) => {
    expect(maskText(text)).toBe(masked);
  });

  it('leaves shorter numbers and ids alone, masks longer digit runs, and replaces secret keys', () => {
    expect(maskText('amount 100000 THB, order 123456789012')).toBe('amount 100000 THB, order 123456789012');
    expect(maskText('chrg_test_5xyzabc')).toBe('chrg_test_5xyzabc');
    expect(maskText('42424242424242420000')).toBe('••••••••••••••••0000'); // a card number in a longer run
    expect(maskText('401 for skey_test_5abcdef123 at api')).toBe(`401 for ${MASKED} at api`);
  });

  it('masks values named like secrets, CVV and security codes, but not flags or the event key', () => {
    const event = {
      object: 'event',
      key: 'charge.complete',
      data: {
        id: 'chrg_test_1',
        card: { last_digits: '4242', security_code_check: true, cvv: '123', security_code: 456, number: '4242424242424242' },
        metadata: { note: 'paid with 5555 5555 5555 4444', api_key: 'abc', password: 'hunter2', webhook_secret: 'c2VjcmV0', token: 'tokn_x', key: 'k' },
        amount: 100000,
        created_ms: 1764600000000,
      },
    };
    expect(maskJson(event)).toEqual({
      object: 'event',
      key: 'charge.complete',
      data: {
        id: 'chrg_test_1',
        card: { last_digits: '4242', security_code_check: true, cvv: MASKED, security_code: MASKED, number: '••••••••••••4242' },
        metadata: { note: 'paid with ••••••••••••4444', api_key: MASKED, password: MASKED, webhook_secret: MASKED, token: MASKED, key: MASKED },
        amount: 100000,
        created_ms: '•••••••••0000',
      },
    });
  });

  it('pretty-prints the body, and never shows a body that is not JSON', () => {
    expect(maskedBody('{"a":{"cvv":"123"}}')).toBe(`{\n  "a": {\n    "cvv": "${MASKED}"\n  }\n}`);
    expect(maskedBody('4242424242424242 not json {')).not.toContain('4242424242424242');
  });

  it('stops at a depth no event reaches instead of overflowing the stack', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(JSON.stringify(maskJson(deep))).toContain('nested too deep');
  });
});
