import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MASKER as masker, MASKED, Masker } from './masker';

/** A charge.update Omise recorded: a card with its holder's name and fingerprint, redirect URIs. */
const RECORDED_CHARGE_EVENT = join(__dirname, '../../test/fixtures/omise/event/omise-php__tests_fixtures_api.omise.co_events_evnt_test_531zv1nto0a5pimuiza-get__60e0b05.json');

describe('the masker', () => {
  describe('card numbers: kept to their last 4 digits, anywhere in text', () => {
    it.each([
      ['4242424242424242', '••••••••••••4242'],
      ['card 4242 4242 4242 4242 declined', 'card ••••••••••••4242 declined'],
      ['4111-1111-1111-1111', '••••••••••••1111'],
      ['3782822463100 05', '•••••••••••0005'],
      ['6011000990139424123', '•••••••••••••••4123'],
      ['pan=4111111111111111;', 'pan=••••••••••••1111;'],
    ])('%s', (text, masked) => {
      expect(masker.text(text)).toBe(masked);
    });

    it('leaves shorter numbers and ids alone, and masks a card number inside a longer run or sent as a JSON number', () => {
      expect(masker.text('amount 100000 THB, order 123456789012')).toBe('amount 100000 THB, order 123456789012');
      expect(masker.text('chrg_test_5xyzabc')).toBe('chrg_test_5xyzabc');
      expect(masker.text('42424242424242420000')).toBe('••••••••••••••••0000');
      expect(masker.json({ metadata: { pan: 4242424242424242, amount: 100000 } })).toEqual({ metadata: { pan: '••••••••••••4242', amount: 100000 } });
    });
  });

  describe('security codes', () => {
    it('masks fields named cvv, cvc or security code, but not the security_code_check flag', () => {
      expect(masker.json({ card: { cvv: '123', cvc: 456, card_cvv2: '789', security_code: '321', securityCode: '111', security_code_check: true } })).toEqual({
        card: { cvv: MASKED, cvc: MASKED, card_cvv2: MASKED, security_code: MASKED, securityCode: MASKED, security_code_check: true },
      });
    });

    it('masks them wherever the name holds one: cvv_code, cvvNumber, card_cvc_value, cvvcode, card_security_code_value', () => {
      const codes = { cvv_code: '123', cvvNumber: '123', card_cvc_value: 123, cvvcode: '123', card_security_code_value: '123' };
      expect(masker.json({ metadata: codes })).toEqual({ metadata: Object.fromEntries(Object.keys(codes).map((field) => [field, MASKED])) });
      expect(masker.text('bad: {"cvv_code": "123"}')).toBe(`bad: {"cvv_code": "${MASKED}"}`);
    });

    it('masks a code named in a message', () => {
      expect(masker.text('declined: CVV 123 wrong, cvc=4567, security code: 999')).toBe(`declined: CVV ${MASKED} wrong, cvc=${MASKED}, security code: ${MASKED}`);
    });
  });

  describe('secrets', () => {
    it('removes Omise secret and public keys, and bearer credentials, from messages', () => {
      expect(masker.text('401 for skey_test_5abcdef123 at api')).toBe(`401 for ${MASKED} at api`);
      expect(masker.text('pkey_5xyz and SKEY_LIVE_abc')).toBe(`${MASKED} and ${MASKED}`);
      expect(masker.text('sent Authorization: Basic c2tleV90ZXN0Og== to it')).toBe(`sent Authorization: ${MASKED} to it`);
      expect(masker.text('with Bearer abcdefgh12345678')).toBe(`with Bearer ${MASKED}`);
      expect(masker.text('Basic checks passed; bearer of bad news')).toBe('Basic checks passed; bearer of bad news');
    });

    it('masks fields named like secrets, passwords, tokens and keys, but not the event key or lookalikes', () => {
      const event = {
        object: 'event',
        key: 'charge.complete',
        data: {
          object: 'charge',
          authorization_type: 'pre_auth',
          metadata: { api_key: 'abc', password: 'hunter2', webhook_secret: 'c2VjcmV0', token: 'tokn_x', key: 'k', secretKey: 'x', tokenization_method: 'applepay' },
        },
      };
      expect(masker.json(event)).toEqual({
        object: 'event',
        key: 'charge.complete',
        data: {
          object: 'charge',
          authorization_type: 'pre_auth',
          metadata: { api_key: MASKED, password: MASKED, webhook_secret: MASKED, token: MASKED, key: MASKED, secretKey: MASKED, tokenization_method: 'applepay' },
        },
      });
    });

    it('masks a secret in a name written as one word: accesstoken, clientsecret, webhooksecret, apitoken, privatekey', () => {
      const secrets = { accesstoken: 'a', clientsecret: 'b', webhooksecret: 'c', apitoken: 'd', privatekey: 'e', userpassword: 'f' };
      expect(masker.json({ metadata: { ...secrets, tokenization_method: 'applepay' } })).toEqual({
        metadata: { ...Object.fromEntries(Object.keys(secrets).map((field) => [field, MASKED])), tokenization_method: 'applepay' },
      });
    });
  });

  describe('personal data', () => {
    it('masks the card holder’s name and fingerprint of a recorded charge, and its redirect URIs’ query values', () => {
      const event = JSON.parse(readFileSync(RECORDED_CHARGE_EVENT, 'utf8')) as { data: { card: Record<string, unknown> } };
      event.data.card.name = 'JOHN DOE';
      const masked = masker.json(event) as { data: { card: Record<string, unknown>; return_uri: string; authorize_uri: string; reference: string } };
      expect(masked.data.card).toMatchObject({ name: MASKED, fingerprint: MASKED, last_digits: '4242', brand: 'Visa', city: 'Bangkok' });
      expect(masked.data.authorize_uri).toBe('https://api.omise.co/payments/paym_test_531gmaa3dhrlvuzkw6m/authorize');
      expect(masked.data.reference).toBe('paym_test_531gmaa3dhrlvuzkw6m');
    });

    it('masks names: of any card, bank account or recipient (by field or by Omise type), customer_name, holder and first/last names', () => {
      expect(
        masker.json({
          object: 'customer',
          email: 'a@b.co',
          cards: { object: 'list', data: [{ object: 'card', name: 'SOMCHAI JAIDEE', brand: 'Visa' }] },
          recipient: { object: 'recipient', name: 'Shop Co', bank_account: { object: 'bank_account', name: 'Somchai Jaidee', brand: 'bbl' } },
          source: { customer_name: 'Somchai', first_name: 'S', last_name: 'J', holderName: 'SJ', store_name: 'Shop', filename: 'a.pdf' },
        }),
      ).toEqual({
        object: 'customer',
        email: MASKED,
        cards: { object: 'list', data: [{ object: 'card', name: MASKED, brand: 'Visa' }] },
        recipient: { object: 'recipient', name: MASKED, bank_account: { object: 'bank_account', name: MASKED, brand: 'bbl' } },
        source: { customer_name: MASKED, first_name: MASKED, last_name: MASKED, holderName: MASKED, store_name: 'Shop', filename: 'a.pdf' },
      });
    });

    it('masks emails, in fields and anywhere in text', () => {
      expect(masker.json({ email: 'not-even-an-address', customer_email: 'b@example.com' })).toEqual({ email: MASKED, customer_email: MASKED });
      expect(masker.text('mail to somchai.j+shop@mail.example.co.th failed')).toBe(`mail to ${MASKED} failed`);
    });

    it('masks phones', () => {
      expect(masker.json({ source: { phone_number: '0123456789', mobile_number: '+66812345678', mobile_banking: true } })).toEqual({
        source: { phone_number: MASKED, mobile_number: MASKED, mobile_banking: true },
      });
    });

    it('masks IPs', () => {
      expect(masker.json({ ip: '203.0.113.1', client_ip: '2001:db8::1', ip_address: '10.0.0.1', shipping: 'x' })).toEqual({
        ip: MASKED,
        client_ip: MASKED,
        ip_address: MASKED,
        shipping: 'x',
      });
    });

    it('masks fingerprints', () => {
      expect(masker.json({ card: { fingerprint: 'b7ETDh/GD7EcJvppdJWZICfDs5QsvCJCXBkWHTJCCGc=' } })).toEqual({ card: { fingerprint: MASKED } });
    });

    it('masks the query values and fragment of authorize_uri, return_uri and every other URI or URL, and of URLs in text', () => {
      expect(
        masker.json({
          authorize_uri: 'https://pay.omise.co/payments/pay2_test_5x/authorize?token=tok_123&acs=false',
          return_uri: 'myshop://orders/3947/complete?session=s3cr3t#step',
          download_uri: 'https://api.omise.co/documents/docu_1/download',
        }),
      ).toEqual({
        authorize_uri: `https://pay.omise.co/payments/pay2_test_5x/authorize?token=${MASKED}&acs=${MASKED}`,
        return_uri: `myshop://orders/3947/complete?session=${MASKED}#${MASKED}`,
        download_uri: 'https://api.omise.co/documents/docu_1/download',
      });
      expect(masker.text('GET https://shop.example/return?session=abc&order=1 failed')).toBe(`GET https://shop.example/return?session=${MASKED}&order=${MASKED} failed`);
    });

    it('masks fields where a message quotes them as JSON', () => {
      expect(masker.text('bad payload {"ip":"203.0.113.1","phone_number":"0812345678","key":"charge.complete","cvv":123,"return_uri":"x://r?s=1"}')).toBe(
        `bad payload {"ip":"${MASKED}","phone_number":"${MASKED}","key":"charge.complete","cvv":"${MASKED}","return_uri":"x://r?s=${MASKED}"}`,
      );
    });
  });

  describe('the host’s options', () => {
    it('masks the paths a host adds, whole, by name anywhere or from a parent down', () => {
      const hosted = new Masker({ paths: ['tax_id', 'metadata.national_id', 'recipient.description', 'shipping.*'] });
      expect(
        hosted.json({
          data: {
            tax_id: '1234567890123',
            recipient: { object: 'recipient', description: 'Somchai', tax_id: 'x' },
            metadata: { national_id: 'n1', other: { national_id: 'kept' } },
            shipping: { street: '1 Road', floor: 3, gift: true, lines: ['a', 'b'] },
          },
        }),
      ).toEqual({
        data: {
          tax_id: MASKED,
          recipient: { object: 'recipient', description: MASKED, tax_id: MASKED },
          metadata: { national_id: MASKED, other: { national_id: 'kept' } },
          shipping: { street: MASKED, floor: MASKED, gift: true, lines: [MASKED, MASKED] },
        },
      });
      expect(hosted.text('refused {"tax_id": "123"}')).toBe(`refused {"tax_id": "${MASKED}"}`);
    });

    it('leaves out a rule the host opts out of, and keeps masking the others', () => {
      const showsEmails = new Masker({ except: ['emails', 'ips'] });
      expect(showsEmails.json({ email: 'a@b.co', ip: '203.0.113.1', phone_number: '0812345678' })).toEqual({ email: 'a@b.co', ip: '203.0.113.1', phone_number: MASKED });
      expect(showsEmails.text('to a@b.co with 4242424242424242')).toBe('to a@b.co with ••••••••••••4242');
    });

    it('refuses to turn off card data or secrets, an unknown rule, and a path that is not one', () => {
      expect(() => new Masker({ except: ['cardNumbers'] })).toThrow('mask.except: cardNumbers cannot be turned off');
      expect(() => new Masker({ except: ['secrets'] })).toThrow('cannot be turned off');
      expect(() => new Masker({ except: ['everything' as 'emails'] })).toThrow('mask.except: unknown rule "everything"');
      expect(() => new Masker({ paths: ['data..card'] })).toThrow('mask.paths: "data..card" is not a field path');
    });
  });

  it('pretty-prints a body, and never shows a body that is not JSON', () => {
    expect(masker.body('{"a":{"cvv":"123"}}')).toBe(`{\n  "a": {\n    "cvv": "${MASKED}"\n  }\n}`);
    expect(masker.body('4242424242424242 not json {')).not.toContain('4242424242424242');
  });

  it('stops at a depth no event reaches instead of overflowing the stack', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(JSON.stringify(masker.json(deep))).toContain('nested too deep');
  });

  it('takes linear time on long text with nothing to mask', () => {
    // Quadratic matching would take minutes on this: the runs of letters and digits are long.
    const text = `${'a'.repeat(200_000)}@${'b'.repeat(200_000)} ${'1 '.repeat(5)}${'x.'.repeat(100_000)}`;
    expect(masker.text(text)).toHaveLength(text.length);
  });
});
