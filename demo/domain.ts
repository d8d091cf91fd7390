import { ChargeRefundEntity } from './charges/charge-refund.entity';
import { ChargeEntity } from './charges/charge.entity';
import { ChargesModule } from './charges/charges.module';
import { CreateCharges1763790100000 } from './charges/migrations/1763790100000-create-charges';
import { DisputeEntity } from './disputes/dispute.entity';
import { DisputesModule } from './disputes/disputes.module';
import { CreateDisputes1763790300000 } from './disputes/migrations/1763790300000-create-disputes';
import { CreateSchedules1763790400000 } from './schedules/migrations/1763790400000-create-schedules';
import { ScheduleEntity } from './schedules/schedule.entity';
import { SchedulesModule } from './schedules/schedules.module';
import { CreateTransfers1763790200000 } from './transfers/migrations/1763790200000-create-transfers';
import { TransferEntity } from './transfers/transfer.entity';
import { TransfersModule } from './transfers/transfers.module';

/*
 * The demo's business side: what the webhooks are for. Each module listens to its Omise events and
 * keeps its own table; the host imports the modules and runs the migrations.
 */

/** Add to the host module's `imports` (next to EventEmitterModule and the TypeORM root). */
export const DOMAIN_MODULES = [ChargesModule, TransfersModule, DisputesModule, SchedulesModule];

/** Add to the host DataSource's `migrations`, after OMISE_WEBHOOK_MIGRATIONS. */
export const DOMAIN_MIGRATIONS = [
  CreateCharges1763790100000,
  CreateTransfers1763790200000,
  CreateDisputes1763790300000,
  CreateSchedules1763790400000,
];

/** For a DataSource without `autoLoadEntities` (the TypeORM CLI's in ormconfig.ts). */
export const DOMAIN_ENTITIES = [ChargeEntity, ChargeRefundEntity, TransferEntity, DisputeEntity, ScheduleEntity];
