/**
 * A bench-only host app: the module dropped into a Nest app as the README shows (imported by its
 * package name, its public options and decorator only), with one listener whose work holds a database
 * transaction open: `BEGIN; SELECT pg_sleep(hold); INSERT …; COMMIT` per charge.create and
 * charge.complete, through the host's DataSource, as a handler that calls a slow service inside a
 * transaction would. Run with BENCH_HANDLER_HOLD_MS=20 and =0 side by side, it shows how much such a
 * handler slows the acknowledgements of the same process.
 *
 * Env: DATABASE_URL (postgres://…), PORT, OMISE_WEBHOOK_SECRET (base64), BENCH_HANDLER_HOLD_MS
 * (default 20).
 */
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OMISE_WEBHOOK_MIGRATIONS, OnOmiseEvent, parseOmiseMode, WebhooksModule, type OmiseEventOf } from 'omise-nest-webhooks';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';

const HOLD_SECONDS = Number(process.env.BENCH_HANDLER_HOLD_MS ?? 20) / 1000;

class CreateHeldTransactions1800000000000 implements MigrationInterface {
  name = 'CreateHeldTransactions1800000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE held_transactions (event_id varchar(64) PRIMARY KEY)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE held_transactions');
  }
}

@Injectable()
class HeldTransactionListener {
  constructor(private readonly dataSource: DataSource) {}

  @OnOmiseEvent(['charge.create', 'charge.complete'])
  async onCharge(event: OmiseEventOf<'charge.create' | 'charge.complete'>): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (HOLD_SECONDS > 0) await manager.query('SELECT pg_sleep($1)', [HOLD_SECONDS]);
      await manager.query('INSERT INTO held_transactions (event_id) VALUES ($1) ON CONFLICT DO NOTHING', [event.id]);
    });
  }
}

@Module({
  imports: [
    EventEmitterModule.forRoot(),
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: process.env.DATABASE_URL,
      autoLoadEntities: true,
      migrations: [...OMISE_WEBHOOK_MIGRATIONS, CreateHeldTransactions1800000000000],
      migrationsRun: true,
    }),
    WebhooksModule.forRoot({ secrets: process.env.OMISE_WEBHOOK_SECRET ?? '', mode: parseOmiseMode(process.env.OMISE_WEBHOOK_MODE) }),
  ],
  providers: [HeldTransactionListener],
})
class HeldTransactionHostModule {}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(HeldTransactionHostModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3004));
}

bootstrap().catch((error: unknown) => {
  console.error('held-transaction host app failed to start:', error);
  process.exit(1);
});
