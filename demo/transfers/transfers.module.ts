import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TransferEventsListener } from './listeners/transfer-events.listener';
import { TransferEntity } from './transfer.entity';
import { TransfersService } from './transfers.service';

/** Transfers (payouts) as the webhooks report them. Table: ./migrations. */
@Module({
  imports: [TypeOrmModule.forFeature([TransferEntity])],
  providers: [TransfersService, TransferEventsListener],
  exports: [TransfersService],
})
export class TransfersModule {}
