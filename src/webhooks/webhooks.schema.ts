import { WebhookEventEntity } from './inbox/webhook-event.entity';
import { CreateOmiseWebhookEvents1763790000000 } from './inbox/migrations/1763790000000-create-omise-webhook-events';
import { AddDispatchState1763800000000 } from './inbox/migrations/1763800000000-add-dispatch-state';

/** Add to the host DataSource's `entities` when it does not use `autoLoadEntities`. */
export const OMISE_WEBHOOK_ENTITIES = [WebhookEventEntity];
/** Add to the host DataSource's `migrations`: the module's tables, per database. */
export const OMISE_WEBHOOK_MIGRATIONS = [CreateOmiseWebhookEvents1763790000000, AddDispatchState1763800000000];
