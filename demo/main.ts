import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DEFAULT_WEBHOOK_PATH } from 'omise-nest-webhooks';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    // Per-event debug lines are for development; production keeps log, warn and error.
    logger: process.env.NODE_ENV === 'production' ? ['log', 'warn', 'error'] : undefined,
  });
  // SIGTERM lets running handlers finish and hands unfinished events back at once.
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  // A webhook endpoint gets a few kB at once: headers and whole requests get seconds, not Node's
  // minutes, so slow or stuck clients do not hold connections. Idle keep-alive stays at 5 s: a sender
  // that reuses its connection may, and none is held for long; behind a load balancer make it longer
  // than the balancer's own idle timeout, or the balancer meets closed connections.
  const server: Server = app.getHttpServer();
  server.headersTimeout = 10_000;
  server.requestTimeout = 20_000;
  server.keepAliveTimeout = 5_000;
  new Logger('Bootstrap').log(`listening on :${port}, webhooks at POST /${DEFAULT_WEBHOOK_PATH}`);
}

void bootstrap();
