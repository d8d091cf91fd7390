/*
 * What a handler receives with each event, as its second argument. Public: exported from the package.
 */

/** Where an event came from and which attempt this is: `@OnOmiseEvent` handlers get it after the event. */
export interface OmiseEventContext {
  /** The Omise account it came for: `default` at the module's `path`, an account's name at `<path>/<name>`. */
  readonly account: string;
  /** Test or live, as the module reads the event (`livemode`, and `_test_` in its ids). */
  readonly mode: 'live' | 'test';
  /** 1 for the first attempt; a retry or a claim after a crash counts up. */
  readonly attempt: number;
}

/** `@OnOmiseEvent(keys, { account, mode })`: a listener for some accounts or one mode only. */
export interface OnOmiseEventOptions {
  /** Only events of this account, or of these accounts. */
  account?: string | readonly string[];
  /** Only events of this mode. */
  mode?: 'live' | 'test';
}
