/** A database call of the module that did not answer within `databaseTimeoutMs`. */
export class DatabaseTimeout extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what}: the database did not answer within ${ms} ms`);
    this.name = 'DatabaseTimeout';
  }
}

/** More deliveries are waiting to be written than `maxPendingDeliveries`: refused at once. */
export class StoreOverloaded extends Error {
  constructor(limit: number) {
    super(`${limit} deliveries are already waiting to be written`);
    this.name = 'StoreOverloaded';
  }
}

/**
 * Refused at once: the database has not been answering (the module's calls missed their deadline or
 * could not connect several times in a row), and until a probe gets an answer nothing waits for it.
 */
export class StoreUnavailable extends Error {
  constructor(readonly forMs: number) {
    super(`the database has not been answering for ${forMs} ms; refused without waiting for it`);
    this.name = 'StoreUnavailable';
  }
}
