import {
  applyDecorators,
  type CanActivate,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Redirect,
  Req,
  Res,
  type Type,
  UseFilters,
  UseGuards,
  VERSION_NEUTRAL,
} from '@nestjs/common';
import type { EventFilter, ReplayFilter, StoredEventSummary } from '../store/stored-event.types';
import { adminBody, type AdminBodyRequest } from './admin-body';
import { AdminApiErrorFilter, AdminPageErrorFilter } from './admin-error.filter';
import { type AdminRequest, mountedBase } from './admin-request';
import {
  DEAD_LETTER_FIELDS,
  encodeCursor,
  eventId as checkEventId,
  type Fields,
  FILTER_FIELDS,
  listInput,
  replayBody,
  replayedCount,
  replayForm,
} from './admin-input';
import {
  confirmDeadLettersPage,
  confirmEventPage,
  deadLettersPage,
  eventPage,
  eventUrl,
  listPage,
  listUrl,
  PAGE_HEADERS,
  type PageFrame,
} from './page/admin-pages';
import { SameOriginGuard } from './same-origin.guard';
import type { StoredEventDetail } from './admin.types';
import { WebhooksAdmin } from './webhooks-admin.service';
import { WEBHOOKS_ADMIN_CONFIG, type WebhooksAdminConfig } from './webhooks-admin.options';

/** Events per page of the HTML list (the JSON list keeps its default of 100). */
const PAGE_SIZE = 50;

const HtmlPage = () => applyDecorators(...Object.entries(PAGE_HEADERS).map(([name, value]) => Header(name, value)));

interface HeaderResponse {
  setHeader(name: string, value: string): void;
}

/** What both controllers need: the service, the mount, and who the operator is. */
abstract class AdminRoutes {
  constructor(
    protected readonly admin: WebhooksAdmin,
    @Inject(WEBHOOKS_ADMIN_CONFIG) protected readonly config: WebhooksAdminConfig,
  ) {}

  protected base(request: AdminRequest): string {
    return mountedBase(request, this.config.path);
  }

  protected async replay(request: AdminRequest, filter: ReplayFilter, force: boolean): Promise<number> {
    const actor = this.config.actor(request) ?? 'admin';
    return (await this.admin.replayRecorded(filter, { force, actor })).requeued;
  }

  protected async detail(id: string): Promise<StoredEventDetail> {
    const event = await this.admin.find(checkEventId(id));
    if (!event) throw new NotFoundException(`No stored event ${id}.`);
    return event;
  }
}

/** The admin page: server-rendered HTML, forms that POST, a confirmation page before each replay. */
@Controller()
export class WebhooksAdminPageController extends AdminRoutes {
  private async frame(request: AdminRequest): Promise<PageFrame> {
    return { base: this.base(request), counts: await this.admin.counts() };
  }

  @Get()
  @HtmlPage()
  async list(@Req() request: AdminRequest, @Query() query: Fields): Promise<string> {
    const input = listInput(query, FILTER_FIELDS);
    const page = await this.admin.page({ ...input.filter, before: input.before, limit: input.limit ?? PAGE_SIZE });
    return listPage(await this.frame(request), { filter: input.filter, events: page.events, next: page.next && encodeCursor(page.next), deep: !!input.before });
  }

  @Get('dead-letters')
  @HtmlPage()
  async deadLetters(@Req() request: AdminRequest, @Query() query: Fields): Promise<string> {
    const input = listInput(query, DEAD_LETTER_FIELDS, ['replayed']);
    const filter: EventFilter = { ...input.filter, status: 'dead' };
    const [page, replayable] = await Promise.all([
      this.admin.page({ ...filter, before: input.before, limit: input.limit ?? PAGE_SIZE }),
      this.admin.replayCount(filter),
    ]);
    return deadLettersPage(await this.frame(request), {
      filter: input.filter,
      events: page.events,
      next: page.next && encodeCursor(page.next),
      deep: !!input.before,
      replayable,
      replayed: replayedCount(input.extra.replayed),
    });
  }

  @Get('dead-letters/replay')
  @HtmlPage()
  async confirmDeadLetters(@Req() request: AdminRequest, @Query() query: Fields): Promise<string> {
    const { filter } = replayForm(query, DEAD_LETTER_FIELDS);
    return confirmDeadLettersPage(await this.frame(request), filter, await this.admin.replayCount({ ...filter, status: 'dead' }));
  }

  @Post('dead-letters/replay')
  @Redirect()
  async replayDeadLetters(@Req() request: AdminRequest & AdminBodyRequest): Promise<{ url: string; statusCode: number }> {
    const { filter } = replayForm(adminBody(request, 'form'), DEAD_LETTER_FIELDS);
    const requeued = await this.replay(request, { ...filter, status: 'dead' }, false);
    // 303: the browser shows the result with a GET, so a reload does not replay again.
    return { url: listUrl(this.base(request), filter, { replayed: String(requeued) }, '/dead-letters'), statusCode: 303 };
  }

  @Get('event/:eventId')
  @HtmlPage()
  async event(@Req() request: AdminRequest, @Param('eventId') id: string, @Query() query: Fields): Promise<string> {
    const { extra } = listInput(query, [], ['replayed']);
    const replayed = replayedCount(extra.replayed);
    return eventPage(await this.frame(request), await this.detail(id), replayed);
  }

  @Get('event/:eventId/replay')
  @HtmlPage()
  async confirmEvent(@Req() request: AdminRequest, @Param('eventId') id: string, @Query() query: Fields): Promise<string> {
    const { force } = replayForm(query, []);
    return confirmEventPage(await this.frame(request), await this.detail(id), force);
  }

  @Post('event/:eventId/replay')
  @Redirect()
  async replayEvent(@Req() request: AdminRequest & AdminBodyRequest, @Param('eventId') id: string): Promise<{ url: string; statusCode: number }> {
    const eventId = checkEventId(id);
    const { force } = replayForm(adminBody(request, 'form'), []);
    const requeued = await this.replay(request, { eventId }, force);
    return { url: `${eventUrl(this.base(request), eventId)}?replayed=${requeued}`, statusCode: 303 };
  }
}

/** The JSON API beside the page: the list (keyset pages, `Link: …; rel="next"`), one event, replay. */
@Controller()
export class WebhooksAdminApiController extends AdminRoutes {
  @Get('events')
  async list(@Req() request: AdminRequest, @Query() query: Fields, @Res({ passthrough: true }) response: HeaderResponse): Promise<StoredEventSummary[]> {
    const input = listInput(query, FILTER_FIELDS);
    const page = await this.admin.page({ ...input.filter, before: input.before, limit: input.limit });
    if (page.next) {
      const extra: Record<string, string> = { before: encodeCursor(page.next), ...(input.limit ? { limit: String(input.limit) } : {}) };
      response.setHeader('Link', `<${listUrl(this.base(request), input.filter, extra, '/events')}>; rel="next"`);
    }
    return page.events;
  }

  @Get('events/:eventId')
  event(@Param('eventId') id: string): Promise<StoredEventDetail> {
    return this.detail(id);
  }

  @Post('replay')
  @HttpCode(200)
  async replayEvents(@Req() request: AdminRequest & AdminBodyRequest): Promise<{ requeued: number }> {
    const { filter, force } = replayBody(adminBody(request, 'json'));
    return { requeued: await this.replay(request, filter, force) };
  }
}

/**
 * Both controllers mounted at `path` behind the host's guard and the same-origin check (subclasses,
 * so two mounts never share metadata). Version-neutral: the admin's URL does not move with the
 * host's API version.
 */
export function adminControllersAt(path: string, guard: Type<CanActivate>): Array<Type<AdminRoutes>> {
  class MountedAdminPage extends WebhooksAdminPageController {}
  class MountedAdminApi extends WebhooksAdminApiController {}
  for (const mounted of [MountedAdminPage, MountedAdminApi]) {
    Controller({ path, version: VERSION_NEUTRAL })(mounted);
    // The host's guard first: without credentials 401/403 before anything else is looked at.
    UseGuards(guard, SameOriginGuard)(mounted);
  }
  UseFilters(AdminPageErrorFilter)(MountedAdminPage);
  UseFilters(AdminApiErrorFilter)(MountedAdminApi);
  return [MountedAdminPage, MountedAdminApi];
}
