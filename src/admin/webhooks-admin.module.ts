import { type CanActivate, type DynamicModule, Module, type Type } from '@nestjs/common';
import {
  ConfigurableWebhooksAdminModule,
  WEBHOOKS_ADMIN_ASYNC_OPTIONS_TYPE,
  WEBHOOKS_ADMIN_OPTIONS_TYPE,
} from './webhooks-admin.module-definition';

/** The guard is required (and checked at boot, for callers without types). */
type WithGuard<T> = T & { guard: Type<CanActivate> };

/**
 * The optional admin of the stored events: an HTML page (list, search by event or object id, one
 * event with its handler runs, replay history and masked body, dead letters, replay with a
 * confirmation) and a JSON API beside it, at `path` (default `admin/webhooks`) behind the host's
 * guard. It needs `WebhooksModule` in the same app.
 *
 *     WebhooksAdminModule.forRoot({ path: 'admin/webhooks', guard: StaffOnlyGuard })
 */
@Module({})
export class WebhooksAdminModule {
  static forRoot(options: WithGuard<typeof WEBHOOKS_ADMIN_OPTIONS_TYPE>): DynamicModule {
    return { ...ConfigurableWebhooksAdminModule.forRoot(options), module: WebhooksAdminModule };
  }

  static forRootAsync(options: WithGuard<typeof WEBHOOKS_ADMIN_ASYNC_OPTIONS_TYPE>): DynamicModule {
    return { ...ConfigurableWebhooksAdminModule.forRootAsync(options), module: WebhooksAdminModule };
  }
}
