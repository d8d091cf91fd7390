/**
 * Peer: what a Nest + TypeORM user writes by hand today. `NestFactory.create(…, { rawBody: true })`,
 * one controller: the HMAC checked with `timingSafeEqual`, `UnauthorizedException` on a bad signature,
 * one `INSERT … ON CONFLICT DO NOTHING` through the DataSource, then the 200.
 *
 * What it gives up next to the module: no answer that tells a duplicate, no dispatch (handlers called
 * from the controller or not at all), no retries, no bound on a stalled database.
 *
 * Env: DATABASE_URL (postgres://…), PORT, OMISE_WEBHOOK_SECRET (base64).
 */
import { Body, Controller, Headers, HttpCode, Module, Post, Req, UnauthorizedException, type RawBodyRequest } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { signedByOmise, webhookSecretFromEnv } from './signed-by-omise';

const secret = webhookSecretFromEnv('nest-controller');

@Controller('webhooks')
class OmiseWebhookController {
  constructor(private readonly dataSource: DataSource) {}

  @Post('omise')
  @HttpCode(200)
  async receive(
    @Req() request: RawBodyRequest<Request>,
    @Headers('omise-signature') signature: string | undefined,
    @Headers('omise-signature-timestamp') timestamp: string | undefined,
    @Body() event: { id?: unknown },
  ): Promise<{ received: true }> {
    if (!request.rawBody || !signedByOmise(secret, request.rawBody, signature, timestamp)) {
      throw new UnauthorizedException('Invalid Omise signature');
    }
    await this.dataSource.query('INSERT INTO nest_events (event_id, body) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      event.id,
      request.rawBody.toString('utf8'),
    ]);
    return { received: true };
  }
}

@Module({
  imports: [TypeOrmModule.forRoot({ type: 'postgres', url: process.env.DATABASE_URL })],
  controllers: [OmiseWebhookController],
})
class PeerModule {}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(PeerModule, { rawBody: true, logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.get(DataSource).query('CREATE TABLE IF NOT EXISTS nest_events (event_id varchar(64) PRIMARY KEY, body text NOT NULL)');
  await app.listen(Number(process.env.PORT ?? 3003));
}

bootstrap().catch((error: unknown) => {
  console.error('nest controller failed to start:', error);
  process.exit(1);
});
