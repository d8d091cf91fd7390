import { Controller, Get, Header } from '@nestjs/common';
import { collectDefaultMetrics, register } from 'prom-client';

// Node's own metrics (event-loop delay, memory, CPU) next to the module's, once per process.
if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();

/**
 * `GET /metrics`: prom-client's default registry, where the webhooks module registers its
 * `omise_webhooks_*` metrics (`metrics: true`). Serve it to the scraper only (a private network or a
 * guard of your own): handler names and error counts are not for the public.
 */
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}
