import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { WebhooksConfig } from './webhooks';

async function bootstrap(): Promise<void> {
  // rawBody: the signature is over the exact bytes Omise sent, which the JSON parser would discard.
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    rawBody: true,
    // Per-event debug lines are for development; production keeps log, warn and error.
    logger: process.env.NODE_ENV === 'production' ? ['log', 'warn', 'error'] : undefined,
  });
  // The JSON parser refuses a body over the module's limit from its Content-Length, before reading it.
  app.useBodyParser('json', { limit: app.get<WebhooksConfig>(WebhooksConfig).maxBodyBytes });
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  new Logger('Bootstrap').log(`listening on :${port}, webhooks at POST /${app.get<WebhooksConfig>(WebhooksConfig).path}`);
}

void bootstrap();
