/*
 * What the admin page and API show of stored data: Omise events and handler errors may carry card
 * data and secrets (a card number in metadata, a secret key in an error message). Whatever leaves the
 * table for a person goes through here first. The table keeps the body as received (it is signed).
 */

/**
 * 13 or more digits, optionally grouped by spaces or dashes: card numbers are 13 to 19, and a longer
 * run may hold one. No Luhn check: hiding a digit run that is not a card costs nothing.
 */
const CARD_NUMBER = /(?<![0-9])[0-9](?:[ -]?[0-9]){12,}(?![0-9])/g;
/** Omise secret keys and webhook-ish secrets that end up in messages. */
const SECRET_KEY = /\b[sS]key_(?:test_)?[A-Za-z0-9]+/g;
/** Field names whose values are secrets or card security data, whatever the value looks like. */
const SECRET_NAME = /secret|passw|passphrase|token|api_?key|private_?key|_key$|^key$|cvv|cvc|cvn|security_?code$|^pin$|authorization|signature/i;
/** Deeper than any Omise event; a body nested further is not shown past this depth. */
const MAX_DEPTH = 32;

export const MASKED = '[masked]';

/** Card numbers keep their last 4 digits (`••••••••••••4242`); secret keys are replaced. */
export function maskText(text: string): string {
  return text
    .replace(CARD_NUMBER, (match) => {
      const digits = match.replace(/[^0-9]/g, '');
      return '•'.repeat(digits.length - 4) + digits.slice(-4);
    })
    .replace(SECRET_KEY, MASKED);
}

export function maskNullable(text: string | null): string | null {
  return text === null ? null : maskText(text);
}

/**
 * A JSON value with secrets and card data masked: values of fields named like a secret, CVV or
 * security code (strings and numbers; flags such as `security_code_check: true` stay), card numbers
 * in any string or number. The event's own `key` (`charge.complete`) at the top is not a secret.
 */
export function maskJson(value: unknown, depth = 0, name?: string): unknown {
  if (depth > MAX_DEPTH) return '[nested too deep to show]';
  if (name !== undefined && SECRET_NAME.test(name) && !(depth === 1 && name === 'key')) {
    if (typeof value === 'string' || typeof value === 'number') return MASKED;
  }
  if (typeof value === 'string') return maskText(value);
  if (typeof value === 'number') {
    const text = String(value);
    return /^[0-9]{13,}$/.test(text) ? maskText(text) : value;
  }
  if (Array.isArray(value)) return value.map((item) => maskJson(item, depth + 1));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([field, item]) => [field, maskJson(item, depth + 1, field)]));
  }
  return value;
}

/** A stored body pretty-printed (2-space indent) and masked; never the text itself if it is not JSON. */
export function maskedBody(rawBody: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    return '[the stored body is not JSON; it is not shown]';
  }
  return JSON.stringify(maskJson(parsed), null, 2);
}
