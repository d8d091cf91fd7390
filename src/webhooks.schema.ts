import { HandlerRunEntity } from './store/handler-run.entity';
import { CreateOmiseWebhookTables1764600000000 } from './store/migrations/1764600000000-create-omise-webhook-tables';
import { AddEventSourceAndTrace1764800000000 } from './store/migrations/1764800000000-add-event-source-and-trace';
import { AddObjectIdAndReplayHistory1764900000000 } from './store/migrations/1764900000000-add-object-id-and-replay-history';
import { AddAccount1765000000000 } from './store/migrations/1765000000000-add-account';
import { ReplayedEventEntity, ReplayedRunEntity, ReplayEntity } from './store/replay.entity';
import { WebhookEventEntity } from './store/webhook-event.entity';

/** Add to the host DataSource's `entities` when it does not use `autoLoadEntities`. */
export const OMISE_WEBHOOK_ENTITIES = [WebhookEventEntity, HandlerRunEntity, ReplayEntity, ReplayedEventEntity, ReplayedRunEntity];
/** Add to the host DataSource's `migrations`: the module's tables. */
export const OMISE_WEBHOOK_MIGRATIONS = [CreateOmiseWebhookTables1764600000000, AddEventSourceAndTrace1764800000000, AddObjectIdAndReplayHistory1764900000000, AddAccount1765000000000];
