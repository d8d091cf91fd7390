import { Module } from '@nestjs/common';
import { ConfigModule, ConfigType } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OMISE_WEBHOOK_MIGRATIONS, WebhooksModule } from 'omise-nest-webhooks';
import { AdminModule } from './admin/admin.module';
import { databaseOptionsFromUrl } from './config/database.config';
import { omiseConfig } from './config/omise.config';
import { DOMAIN_MIGRATIONS, DOMAIN_MODULES } from './domain';
import { OpsModule } from './ops/ops.module';

/**
 * The demo commerce backend: the host application a merchant already has, with the webhooks
 * module dropped in. It owns the event emitter and the database; the module borrows both. Its
 * business side (DOMAIN_MODULES: charges, transfers, disputes, schedules) reacts to the events.
 */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, load: [omiseConfig] }),
    EventEmitterModule.forRoot({ wildcard: true }),
    TypeOrmModule.forRootAsync({
      useFactory: () => ({
        ...databaseOptionsFromUrl(process.env.DATABASE_URL),
        autoLoadEntities: true,
        migrations: [...OMISE_WEBHOOK_MIGRATIONS, ...DOMAIN_MIGRATIONS],
        // Schema changes only through migrations, applied at boot; never `synchronize`.
        migrationsRun: true,
        synchronize: false,
      }),
    }),
    WebhooksModule.forRootAsync({
      inject: [omiseConfig.KEY],
      useFactory: (omise: ConfigType<typeof omiseConfig>) => omise,
    }),
    ...DOMAIN_MODULES,
    AdminModule,
    OpsModule,
  ],
})
export class AppModule {}
