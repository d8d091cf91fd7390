import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { databaseOptionsFromUrl } from './src/config/database.config';
import { OMISE_WEBHOOK_ENTITIES, OMISE_WEBHOOK_MIGRATIONS } from './src/webhooks';

/**
 * The DataSource the TypeORM CLI uses (`npm run migration:run`, `migration:show`), from the same
 * DATABASE_URL as the app.
 */
export default new DataSource({
  ...databaseOptionsFromUrl(process.env.DATABASE_URL),
  entities: [...OMISE_WEBHOOK_ENTITIES],
  migrations: [...OMISE_WEBHOOK_MIGRATIONS],
});
