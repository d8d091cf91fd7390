/*
 * One masker for everything that leaves the process: the admin page and its JSON API, the CLI, log
 * lines, lifecycle event payloads and span attributes. Omise events and handler errors carry card
 * data, secrets and personal data (a card number in metadata, a secret key in an error message, the
 * holder's name, an email); whatever shows stored data or an error goes through here first. The
 * table keeps the body as received (it is signed).
 *
 * This folder imports nothing from the rest of the module but the shared helpers (common/), so any
 * part of it can use the masker without an import cycle.
 */

import { escaped } from '../common/log-text';

export const MASKED = '[masked]';

/**
 * The default rules, by name. Card numbers keep their last 4 digits; URLs keep everything but their
 * query values and fragment; every other rule replaces the value whole.
 */
export const MASK_RULES = ['cardNumbers', 'securityCodes', 'secrets', 'names', 'emails', 'phones', 'ips', 'fingerprints', 'urlQueries'] as const;
export type MaskRule = (typeof MASK_RULES)[number];

/** Card data and secrets are never shown, whatever a host asks: these rules cannot be turned off. */
const ALWAYS_ON: ReadonlySet<MaskRule> = new Set(['cardNumbers', 'securityCodes', 'secrets']);

/** The `mask` option of `WebhooksModule`. */
export interface MaskOptions {
  /**
   * More fields to mask whole, in bodies and payloads: a field name (`tax_id`: that field at any
   * depth), or a dotted path read from the field upwards (`metadata.national_id`: `national_id` inside
   * a field `metadata`; `recipient.name`). A segment also matches an object's Omise type (`card`
   * matches any object whose `object` is `"card"`), array items are transparent, and `*` matches any
   * one field. In text (errors, log lines), one-segment names are masked where the text quotes them
   * as JSON (`"tax_id": "…"`).
   */
  paths?: readonly string[];
  /**
   * Default rules to leave out, for personal data this app may show its operators: `names`, `emails`,
   * `phones`, `ips`, `fingerprints`, `urlQueries`. `cardNumbers`, `securityCodes` and `secrets` cannot be.
   */
  except?: readonly MaskRule[];
}

/**
 * 13 or more digits, optionally grouped by spaces or dashes: card numbers are 13 to 19, and a longer
 * run may hold one. No Luhn check: hiding a digit run that is not a card costs nothing.
 */
const CARD_NUMBER = /(?<![0-9])[0-9](?:[ -]?[0-9]){12,}(?![0-9])/g;
/** Omise secret and public keys, and credentials of an Authorization header quoted in a message. */
const API_KEY = /\b[sp]key_(?:test_|live_)?[A-Za-z0-9]+/gi;
/** `Authorization: Basic …` (its value whole), and a bearer token anywhere. */
const AUTHORIZATION = /\b(authorization["']?\s*[:=]\s*["']?)[^\s"',;]+(?:[ ]+[A-Za-z0-9._~+/-]+=*)?/gi;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/-]{8,}=*/g;
/** A security code named in a message: `cvv 123`, `CVC: 1234`, `security code=123`. */
const SECURITY_CODE = /\b(cvv2?|cvc2?|cvn|csc|security[ _-]?code)(\W{1,3})[0-9]{3,4}(?![0-9])/gi;
/** Bounded parts and a start that must begin a run, so a long run of letters costs linear time. */
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z])/g;
const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>\\`]+/gi;
/** A field quoted as JSON inside text: `"email": "…"`, `"cvv":123`. */
const QUOTED_FIELD = /"([A-Za-z0-9_$-]{1,64})"(\s*:\s*)("(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*)/g;
/** Deeper than any Omise event; a body nested further is not shown past this depth. */
const MAX_DEPTH = 32;
const TOO_DEEP = '[nested too deep to show]';
const PATH = /^(\*|[A-Za-z0-9_$-]+)(\.(\*|[A-Za-z0-9_$-]+))*$/;

/**
 * Where a value sits in a JSON document, one level per field: the field's name, and the Omise type
 * of the object it holds (`object: "card"`), so `card.name` matches `data.card.name` and the name of
 * every card in a customer's `cards.data` list.
 */
type Level = readonly string[];

/** How a matched field's value is masked: replaced, or (a URL) its query values and fragment only. */
type How = 'whole' | 'url';

interface FieldRule {
  rule: MaskRule | 'paths';
  how: How;
  matches(trail: readonly Level[], words: readonly string[]): boolean;
}

const SECRET_WORDS = new Set(['secret', 'password', 'passwd', 'passphrase', 'token', 'signature', 'pin', 'otp', 'apikey']);
/**
 * Secrets in a name written as one word (`clientsecret`, `accesstoken`, `webhookSecret` is two words
 * already): anything holding secret or passw, or ending like a token or a key. Not `tokenization`.
 */
const SECRET_IN_WORD = /secret|passw|passphrase|(token|apikey|privatekey)$/;
const SECURITY_CODE_WORDS = new Set(['cvv', 'cvv2', 'cvc', 'cvc2', 'cvn', 'csc']);
/** A security code in a name written as one word: `cvvcode`, `cvc2value`. */
const SECURITY_CODE_IN_WORD = /^(cvv|cvc|cvn)/;
const NAME_QUALIFIERS = new Set(['customer', 'holder', 'cardholder', 'first', 'last', 'full', 'given', 'family', 'middle', 'sur']);
const PHONE_WORDS = new Set(['phone', 'mobile', 'telephone', 'msisdn']);

const hasWord = (words: readonly string[], set: ReadonlySet<string>) => words.some((word) => set.has(word));
const last = <T>(list: readonly T[]): T | undefined => list[list.length - 1];

/** `card.name` read from the field upwards: each segment is one level, `*` any. */
function pathMatcher(path: string): (trail: readonly Level[]) => boolean {
  const segments = path.split('.');
  return (trail) => {
    if (trail.length < segments.length) return false;
    const offset = trail.length - segments.length;
    return segments.every((segment, i) => segment === '*' || trail[offset + i].includes(segment));
  };
}

const HOLDER_NAMES = ['card.name', 'bank_account.name', 'recipient.name'].map(pathMatcher);

const DEFAULT_FIELD_RULES: readonly FieldRule[] = [
  {
    rule: 'secrets',
    how: 'whole',
    matches: (trail, words) => {
      const field = last(trail)?.[0] ?? '';
      // The event's own `key` (`charge.complete`) names the event; every other key is a credential.
      if (field === 'key' && (trail.length < 2 || trail[trail.length - 2].includes('event'))) return false;
      return (
        words.some((word) => SECRET_WORDS.has(word) || SECRET_IN_WORD.test(word)) ||
        last(words) === 'key' ||
        field.toLowerCase() === 'authorization' ||
        field.toLowerCase() === 'cookie'
      );
    },
  },
  {
    rule: 'securityCodes',
    how: 'whole',
    // Any word of the name (`cvv_code`, `card_cvc_value`): `security_code_check: true` stays, as a
    // masked field's flags do.
    matches: (_trail, words) =>
      words.some((word) => SECURITY_CODE_WORDS.has(word) || SECURITY_CODE_IN_WORD.test(word)) || words.join('_').includes('security_code'),
  },
  {
    rule: 'names',
    how: 'whole',
    matches: (trail, words) =>
      HOLDER_NAMES.some((holderName) => holderName(trail)) || (last(words) === 'name' && NAME_QUALIFIERS.has(words[words.length - 2] ?? '')),
  },
  { rule: 'emails', how: 'whole', matches: (_trail, words) => words.includes('email') },
  { rule: 'phones', how: 'whole', matches: (_trail, words) => hasWord(words, PHONE_WORDS) },
  { rule: 'ips', how: 'whole', matches: (_trail, words) => words.includes('ip') },
  { rule: 'fingerprints', how: 'whole', matches: (_trail, words) => words.includes('fingerprint') },
  { rule: 'urlQueries', how: 'url', matches: (_trail, words) => last(words) === 'uri' || last(words) === 'url' },
];

/** `customerName`, `customer_name`, `Customer-Name` → `customer`, `name`. */
function wordsOf(field: string): string[] {
  return field
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Masks text (messages, log lines, span attributes) and JSON (bodies, payloads) by the default rules,
 * plus the host's `paths`, minus its `except`. Stateless once built: one instance serves every caller.
 */
export class Masker {
  private readonly on: ReadonlySet<MaskRule>;
  private readonly fieldRules: readonly FieldRule[];

  constructor(options: MaskOptions = {}) {
    const except = options.except ?? [];
    for (const rule of except) {
      if (!(MASK_RULES as readonly string[]).includes(rule)) {
        throw new Error(`WebhooksModule: mask.except: unknown rule "${String(rule)}" (rules: ${MASK_RULES.join(', ')}).`);
      }
      if (ALWAYS_ON.has(rule)) throw new Error(`WebhooksModule: mask.except: ${rule} cannot be turned off (card data and secrets are never shown).`);
    }
    for (const path of options.paths ?? []) {
      if (typeof path !== 'string' || !PATH.test(path)) {
        throw new Error(`WebhooksModule: mask.paths: "${String(path)}" is not a field path such as tax_id or metadata.national_id.`);
      }
    }
    this.on = new Set(MASK_RULES.filter((rule) => !except.includes(rule)));
    const hostPaths: FieldRule[] = (options.paths ?? []).map((path) => {
      const matches = pathMatcher(path);
      return { rule: 'paths', how: 'whole', matches: (trail) => matches(trail) };
    });
    this.fieldRules = [...DEFAULT_FIELD_RULES.filter((rule) => this.on.has(rule.rule as MaskRule)), ...hostPaths];
  }

  /** Text for one log line: masked as {@link text}, then escaped (control characters, length). */
  line(text: string): string {
    return escaped(this.text(text));
  }

  /**
   * Text with card numbers (all but the last 4 digits), keys, security codes, emails and URL query
   * values masked, and masked fields where the text quotes them as JSON.
   */
  text(text: string): string {
    let result = text.replace(QUOTED_FIELD, (pair, field: string, colon: string, value: string) => {
      // A bare "key" in text may well be an event's key; a real API key is caught by its shape below.
      const rule = field === 'key' ? undefined : this.fieldRule([[field]]);
      if (!rule) return pair;
      if (rule.how === 'url') return value.startsWith('"') ? `"${field}"${colon}"${this.url(value.slice(1, -1))}"` : pair;
      return `"${field}"${colon}"${MASKED}"`;
    });
    if (this.on.has('urlQueries')) result = result.replace(URL_IN_TEXT, (url) => this.url(url));
    if (this.on.has('emails')) result = result.replace(EMAIL, MASKED);
    return result
      .replace(API_KEY, MASKED)
      .replace(AUTHORIZATION, (_match, name: string) => `${name}${MASKED}`)
      .replace(BEARER, (_match, scheme: string) => `${scheme}${MASKED}`)
      .replace(SECURITY_CODE, (_match, name: string, separator: string) => `${name}${separator}${MASKED}`)
      .replace(CARD_NUMBER, (match) => {
        const digits = match.replace(/[^0-9]/g, '');
        return '•'.repeat(digits.length - 4) + digits.slice(-4);
      });
  }

  nullable(text: string | null): string | null {
    return text === null ? null : this.text(text);
  }

  /**
   * A JSON value with its masked fields replaced (strings and numbers; flags such as
   * `security_code_check: true` and nulls stay), and every other string masked as text.
   */
  json(value: unknown): unknown {
    return this.walk(value, [], 0);
  }

  /** A stored body pretty-printed (2-space indent) and masked; never the text itself if it is not JSON. */
  body(rawBody: string): string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawBody);
    } catch {
      return '[the stored body is not JSON; it is not shown]';
    }
    return JSON.stringify(this.json(parsed), null, 2);
  }

  private fieldRule(trail: readonly Level[]): FieldRule | undefined {
    const words = wordsOf(last(trail)?.[0] ?? '');
    return this.fieldRules.find((rule) => rule.matches(trail, words));
  }

  private walk(value: unknown, trail: readonly Level[], depth: number): unknown {
    if (depth > MAX_DEPTH) return TOO_DEEP;
    if (typeof value === 'string') return this.text(value);
    if (typeof value === 'number') return this.number(value);
    if (Array.isArray(value)) return value.map((item) => this.walk(item, trail, depth + 1));
    if (!isRecord(value)) return value;
    // The object's Omise type joins its level, so `card.name` finds the name of any card.
    const type = value.object;
    const here = typeof type === 'string' ? [...trail.slice(0, -1), [...(last(trail) ?? []), type]] : trail;
    return Object.fromEntries(
      Object.entries(value).map(([field, item]) => {
        const at = [...here, [field]];
        const rule = this.fieldRule(at);
        if (rule === undefined) return [field, this.walk(item, at, depth + 1)];
        if (rule.how === 'url' && typeof item === 'string') return [field, this.text(this.url(item))];
        return [field, this.whole(item, depth + 1)];
      }),
    );
  }

  /** A masked field's value: every string and number in it replaced; flags and nulls stay. */
  private whole(value: unknown, depth: number): unknown {
    if (depth > MAX_DEPTH) return TOO_DEEP;
    if (typeof value === 'string' || typeof value === 'number') return MASKED;
    if (Array.isArray(value)) return value.map((item) => this.whole(item, depth + 1));
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([field, item]) => [field, this.whole(item, depth + 1)]));
    return value;
  }

  /** A number of 13 or more digits may be a card number (`4242424242424242` sent as a number). */
  private number(value: number): number | string {
    const text = String(value);
    return /^[0-9]{13,}$/.test(text) ? this.text(text) : value;
  }

  /** A URL with its query values and fragment masked: `…/authorize?token=[masked]`. */
  private url(url: string): string {
    const hash = url.indexOf('#');
    const beforeHash = hash < 0 ? url : url.slice(0, hash);
    const question = beforeHash.indexOf('?');
    let masked = question < 0 ? beforeHash : `${beforeHash.slice(0, question)}?${beforeHash
      .slice(question + 1)
      .split('&')
      .map((pair) => {
        const equals = pair.indexOf('=');
        if (equals < 0) return pair === '' ? pair : MASKED;
        return equals === pair.length - 1 ? pair : `${pair.slice(0, equals + 1)}${MASKED}`;
      })
      .join('&')}`;
    if (hash >= 0) masked += hash === url.length - 1 ? '#' : `#${MASKED}`;
    return masked;
  }
}

/** The defaults, for callers without the host's options (the CLI runs outside the app). */
export const DEFAULT_MASKER = new Masker();
