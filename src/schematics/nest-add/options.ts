/** The databases `--database` chooses from when the app has no TypeORM yet (schema.json lists the same). */
export const DATABASES = ['sqlite', 'postgres', 'mysql', 'mariadb'] as const;
export type Database = (typeof DATABASES)[number];

/** `nest add omise-nest-webhooks` options, as schema.json declares them. */
export interface NestAddOptions {
  /** The database TypeORM is configured for when the app has no TypeORM yet. Default: the app's driver, else sqlite. */
  database?: Database;
  /** The webhook route below any global prefix. Default `webhooks/omise`. */
  path?: string;
  /** Write package.json without installing. */
  skipInstall?: boolean;
  /** The app's source folder; the Nest CLI passes nest-cli.json's `sourceRoot`. */
  sourceRoot?: string;
}
