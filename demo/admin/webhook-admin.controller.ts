import { BadRequestException, Body, Controller, Get, HttpCode, Post, Query, UseGuards, ValidationPipe } from '@nestjs/common';
import { WebhookAdmin, type ReplayFilter, type StoredEventSummary } from 'omise-nest-webhooks';
import { AdminTokenGuard } from './admin-token.guard';
import { ListEventsQuery, ReplayRequest } from './webhook-admin.dto';

const validation = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });

/** The demo's operator API over the stored webhook events: list them, replay them. */
@Controller('admin/webhooks')
@UseGuards(AdminTokenGuard)
export class WebhookAdminController {
  constructor(private readonly admin: WebhookAdmin) {}

  @Get('events')
  list(@Query(validation) query: ListEventsQuery): Promise<StoredEventSummary[]> {
    return this.admin.list(query);
  }

  @Post('replay')
  @HttpCode(200)
  async replay(@Body(validation) request: ReplayRequest): Promise<{ requeued: number }> {
    return { requeued: await this.admin.replay(toFilter(request), { force: request.force }) };
  }
}

function toFilter(request: ReplayRequest): ReplayFilter {
  const ways = [request.eventId, request.status, request.key ?? request.since ?? request.until].filter((v) => v !== undefined);
  if (ways.length !== 1) {
    throw new BadRequestException('Give exactly one of: eventId, status: "dead", or key/since/until.');
  }
  if (request.eventId) return { eventId: request.eventId };
  if (request.status) return { status: request.status };
  return {
    key: request.key,
    since: request.since ? new Date(request.since) : undefined,
    until: request.until ? new Date(request.until) : undefined,
  };
}
