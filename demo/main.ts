import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DEFAULT_WEBHOOK_PATH } from 'omise-nest-webhooks';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  // rawBody: the signature is over the exact bytes Omise sent, which the JSON parser would discard.
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    rawBody: true,
    // Per-event debug lines are for development; production keeps log, warn and error.
    logger: process.env.NODE_ENV === 'production' ? ['log', 'warn', 'error'] : undefined,
  });
  // The JSON parser refuses a body over the limit from its Content-Length, before reading it.
  app.useBodyParser('json', { limit: Number(process.env.OMISE_WEBHOOK_MAX_BODY_BYTES || 1024 * 1024) });
  // SIGTERM lets running handlers finish and hands unfinished events back at once.
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  new Logger('Bootstrap').log(`listening on :${port}, webhooks at POST /${DEFAULT_WEBHOOK_PATH}`);
}

void bootstrap();
