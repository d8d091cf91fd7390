/* What a reconciliation reports. Public: exported from the package. */

/** What one reconciliation found. `listed` = `alreadyStored` + `missing` + `refused`. */
export interface ReconcileCounts {
  /** Events the API listed in the window. */
  listed: number;
  /** In the table already: delivered by Omise, stored by an earlier run, or delivered while this one ran. */
  alreadyStored: number;
  /** Not in the table: stored now (with `dryRun`, only found). */
  missing: number;
  /** Not events the module accepts (intake's envelope check), or rows the database refused. */
  refused: number;
}
