import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { databaseOptionsFromUrl } from './src/config/database.config';
import { DOMAIN_ENTITIES, DOMAIN_MIGRATIONS } from './src/domain';
import { OMISE_WEBHOOK_ENTITIES, OMISE_WEBHOOK_MIGRATIONS } from './src/webhooks';

/**
 * The DataSource the TypeORM CLI uses (`npm run migration:run`, `migration:show`), from the same
 * DATABASE_URL as the app: the webhooks module's tables and the demo domain's, as AppModule has them.
 */
export default new DataSource({
  ...databaseOptionsFromUrl(process.env.DATABASE_URL),
  entities: [...OMISE_WEBHOOK_ENTITIES, ...DOMAIN_ENTITIES],
  migrations: [...OMISE_WEBHOOK_MIGRATIONS, ...DOMAIN_MIGRATIONS],
});
