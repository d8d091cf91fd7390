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
