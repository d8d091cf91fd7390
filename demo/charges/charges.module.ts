import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChargeRefundEntity } from './charge-refund.entity';
import { ChargeEntity } from './charge.entity';
import { ChargesController } from './charges.controller';
import { ChargesService } from './charges.service';
import { ChargeEventsListener } from './listeners/charge-events.listener';

/** Charges as the webhooks report them, readable at `GET /charges/:id`. Tables: ./migrations. */
@Module({
  imports: [TypeOrmModule.forFeature([ChargeEntity, ChargeRefundEntity])],
  controllers: [ChargesController],
  providers: [ChargesService, ChargeEventsListener],
  exports: [ChargesService],
})
export class ChargesModule {}
