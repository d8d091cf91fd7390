import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AlertsListener } from './alerts.listener';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';

/** What the people who run the demo look at: `/health`, `/metrics`, and alerts on dead events. */
@Module({ imports: [TerminusModule], controllers: [HealthController, MetricsController], providers: [AlertsListener] })
export class OpsModule {}
