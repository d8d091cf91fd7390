/**
 * A bench-only host app on Fastify: the module dropped into a Nest app created with
 * `new FastifyAdapter()` as the README shows (imported by its package name, its public options
 * only), with the demo's module options (metrics, spans, lifecycle events), database settings and
 * HTTP limits, and dispatch off: the module's intake alone on Fastify, measured next to the demo
 * (Express) with dispatch off. No admin page (Express only) and no domain handlers (dispatch is off
 * in both).
 *
 * Env: DATABASE_URL (postgres://…), PORT, OMISE_WEBHOOK_SECRET (base64), OMISE_WEBHOOK_MODE.
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OMISE_WEBHOOK_MIGRATIONS, parseOmiseMode, WebhooksModule } from 'omise-nest-webhooks';
import { databaseOptionsFromUrl } from '../demo/config/database.config';
import { applyHttpLimits } from '../demo/http-limits';

@Module({
  imports: [
    EventEmitterModule.forRoot({ wildcard: true }),
    TypeOrmModule.forRoot({
      ...databaseOptionsFromUrl(process.env.DATABASE_URL),
      autoLoadEntities: true,
      migrations: [...OMISE_WEBHOOK_MIGRATIONS],
      migrationsRun: true,
    }),
    WebhooksModule.forRoot({
      secrets: process.env.OMISE_WEBHOOK_SECRET ?? '',
      mode: parseOmiseMode(process.env.OMISE_WEBHOOK_MODE),
      dispatch: { enabled: false },
      metrics: true,
      tracing: true,
      lifecycleEvents: true,
    }),
  ],
})
class FastifyHostModule {}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(FastifyHostModule, new FastifyAdapter(), { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  applyHttpLimits(app.getHttpServer());
  await app.listen(Number(process.env.PORT ?? 3005), '127.0.0.1');
}

bootstrap().catch((error: unknown) => {
  console.error('Fastify host app failed to start:', error);
  process.exit(1);
});
