/* What the health indicator takes and returns. Public: exported from the package. */

/** A health indicator result in `@nestjs/terminus`'s shape: `{ [key]: { status, …details } }`. */
export type WebhooksHealthResult<K extends string> = Record<K, { status: 'up' | 'down'; [detail: string]: unknown }>;

export interface ReadinessOptions {
  /** The oldest event due for dispatch may have waited this long, in ms. Default 5 minutes. */
  maxDueAgeMs?: number;
}
