import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { WebhooksHealthIndicator } from 'omise-nest-webhooks';

/** `GET /health`: 200 when the webhooks module can do its work, 503 with the details when not. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly webhooks: WebhooksHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.webhooks.isAlive('omise-webhooks-worker'), () => this.webhooks.isReady('omise-webhooks')]);
  }
}
