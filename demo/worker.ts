import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

/**
 * The dispatch worker on its own, for a split deployment: web instances run with
 * OMISE_WEBHOOK_DISPATCH=off and only take deliveries; this process runs no HTTP server and delivers
 * the stored events to the handlers. Any number of each may run against one database.
 */
async function bootstrap(): Promise<void> {
  // This process exists to dispatch, whatever the web instances' setting says.
  process.env.OMISE_WEBHOOK_DISPATCH = 'on';
  // Intake runs elsewhere and cannot nudge this worker: the sweep is how it finds new events, so it
  // looks every second rather than every five (a claim that finds nothing is one index lookup).
  process.env.OMISE_WEBHOOK_SWEEP_MS ||= '1000';
  const app = await NestFactory.createApplicationContext(AppModule, {
    logger: process.env.NODE_ENV === 'production' ? ['log', 'warn', 'error'] : undefined,
  });
  // SIGTERM lets running handlers finish and hands unfinished events back at once.
  app.enableShutdownHooks();
  new Logger('Bootstrap').log('worker running: dispatching stored events, no HTTP server');
}

void bootstrap();
