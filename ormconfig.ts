import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { OMISE_WEBHOOK_ENTITIES, OMISE_WEBHOOK_MIGRATIONS } from 'omise-nest-webhooks';
import { databaseOptionsFromUrl } from './demo/config/database.config';
import { DOMAIN_ENTITIES, DOMAIN_MIGRATIONS } from './demo/domain';

/**
 * The demo's DataSource for the TypeORM CLI (`npm run migration:run`, `migration:show`), from the same
 * DATABASE_URL as the app: the webhooks module's tables and the demo domain's, as AppModule has them.
 */
export default new DataSource({
  ...databaseOptionsFromUrl(process.env.DATABASE_URL),
  entities: [...OMISE_WEBHOOK_ENTITIES, ...DOMAIN_ENTITIES],
  migrations: [...OMISE_WEBHOOK_MIGRATIONS, ...DOMAIN_MIGRATIONS],
});
