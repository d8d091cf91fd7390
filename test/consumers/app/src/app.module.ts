import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OMISE_WEBHOOK_MIGRATIONS, WebhooksModule } from 'omise-nest-webhooks';
import { ApiKeyGuard } from './api-key.guard.js';
import { OrdersModule } from './orders/orders.module.js';

/** A host app as `nest new` makes one, with the webhooks module installed as the README says. */
@Module({
  imports: [
    EventEmitterModule.forRoot(),
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: process.env.DATABASE_URL,
      autoLoadEntities: true,
      migrations: [...OMISE_WEBHOOK_MIGRATIONS],
      migrationsRun: true,
    }),
    WebhooksModule.forRoot({ secrets: process.env.OMISE_WEBHOOK_SECRET ?? '' }),
    OrdersModule,
  ],
  providers: [{ provide: APP_GUARD, useClass: ApiKeyGuard }],
})
export class AppModule {}
