/**
 * A host app run as a child process by the multi-process tests (crash recovery, two instances, a
 * split deployment). Environment: DATABASE_URL, SECRET, LEASE_MS, HANG ("1": SlowMailer never
 * finishes), DISPATCH ("off": intake only), HTTP ("off": a worker process, an application context with
 * no server). Prints `READY <port>` once listening (`READY 0` without HTTP). Each handler writes its effects to `test_handler_effects`.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { databaseOptionsFromUrl } from '../../demo/config/database.config';
import { OMISE_WEBHOOK_MIGRATIONS, WebhooksModule, type OmiseEvent } from '../../src';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`worker-host: ${name} is required`);
  return value;
};

/** Records that a handler started or finished an event, in the shared database. */
@Injectable()
class Effects {
  constructor(private readonly dataSource: DataSource) {}

  async record(event: OmiseEvent, handler: string, phase: 'started' | 'done'): Promise<void> {
    const p = this.dataSource.options.type === 'postgres' ? ['$1', '$2', '$3', '$4'] : ['?', '?', '?', '?'];
    await this.dataSource.query(
      `INSERT INTO test_handler_effects (event_id, handler, phase, pid) VALUES (${p.join(', ')})`,
      [event.id, handler, phase, process.pid],
    );
  }
}

@Injectable()
class LedgerWriter {
  constructor(private readonly effects: Effects) {}

  @OnEvent('charge.complete')
  async record(event: OmiseEvent): Promise<void> {
    await this.effects.record(event, 'LedgerWriter', 'done');
  }
}

@Injectable()
class SlowMailer {
  constructor(private readonly effects: Effects) {}

  @OnEvent('charge.complete')
  async send(event: OmiseEvent): Promise<void> {
    await this.effects.record(event, 'SlowMailer', 'started');
    if (process.env.HANG === '1') await new Promise<never>(() => undefined); // killed here
    await this.effects.record(event, 'SlowMailer', 'done');
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot({
      ...databaseOptionsFromUrl(env('DATABASE_URL')),
      autoLoadEntities: true,
      migrations: [...OMISE_WEBHOOK_MIGRATIONS],
      migrationsRun: true,
    }),
    EventEmitterModule.forRoot({ wildcard: true }),
    WebhooksModule.forRoot({
      secrets: [env('SECRET')],
      // These tests are about exactly-once under crashes and races, on a machine that may be busy:
      // deadlines get room here (test/faults.e2e-spec.ts holds them to theirs).
      databaseTimeoutMs: 30_000,
      dispatch: { enabled: process.env.DISPATCH !== 'off', leaseMs: Number(env('LEASE_MS')), sweepIntervalMs: 100 },
    }),
  ],
  providers: [Effects, LedgerWriter, SlowMailer],
})
class WorkerHostModule {}

async function main(): Promise<void> {
  if (process.env.HTTP === 'off') {
    const worker = await NestFactory.createApplicationContext(WorkerHostModule, { logger: ['error'] });
    worker.enableShutdownHooks();
    process.stdout.write('READY 0\n');
    return;
  }
  const app = await NestFactory.create(WorkerHostModule, { rawBody: true, logger: ['error'] });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const address = (app.getHttpServer() as Server).address() as AddressInfo;
  process.stdout.write(`READY ${address.port}\n`);
}

void main();
