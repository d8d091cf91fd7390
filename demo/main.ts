import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DEFAULT_WEBHOOK_PATH } from 'omise-nest-webhooks';
import { AppModule } from './app.module';
import { applyHttpLimits } from './http-limits';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    // Per-event debug lines are for development; production keeps log, warn and error.
    logger: process.env.NODE_ENV === 'production' ? ['log', 'warn', 'error'] : undefined,
  });
  // SIGTERM lets running handlers finish and hands unfinished events back at once.
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  // Seconds, not Node's minutes, and honoured within a second (see http-limits.ts): before listen.
  const server: Server = app.getHttpServer();
  applyHttpLimits(server);
  await app.listen(port);
  new Logger('Bootstrap').log(`listening on :${port}, webhooks at POST /${DEFAULT_WEBHOOK_PATH}`);
}

void bootstrap();
