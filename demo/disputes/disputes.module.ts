import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChargesModule } from '../charges/charges.module';
import { DisputeEntity } from './dispute.entity';
import { DisputesService } from './disputes.service';
import { DisputeEventsListener } from './listeners/dispute-events.listener';

/** Disputes as the webhooks report them; flags disputed charges through ChargesService. Table: ./migrations. */
@Module({
  imports: [TypeOrmModule.forFeature([DisputeEntity]), ChargesModule],
  providers: [DisputesService, DisputeEventsListener],
  exports: [DisputesService],
})
export class DisputesModule {}
