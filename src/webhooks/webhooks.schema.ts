import { WebhookEventEntity } from './inbox/webhook-event.entity';
import { CreateOmiseWebhookEvents1763790000000 } from './inbox/migrations/1763790000000-create-omise-webhook-events';

/** Add to the host DataSource's `entities` when it does not use `autoLoadEntities`. */
export const OMISE_WEBHOOK_ENTITIES = [WebhookEventEntity];
/** Add to the host DataSource's `migrations`: the module's tables, per database. */
export const OMISE_WEBHOOK_MIGRATIONS = [CreateOmiseWebhookEvents1763790000000];
