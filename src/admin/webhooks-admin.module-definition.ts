import { ConfigurableModuleBuilder, type DynamicModule } from '@nestjs/common';
import { AdminMount } from './admin-mount';
import { defaultActor } from './admin-request';
import { SameOriginGuard } from './same-origin.guard';
import { adminControllersAt } from './webhooks-admin.controllers';
import {
  DEFAULT_ADMIN_PATH,
  WEBHOOKS_ADMIN_CONFIG,
  type WebhooksAdminConfig,
  type WebhooksAdminModuleExtras,
  type WebhooksAdminModuleOptions,
} from './webhooks-admin.options';


export const {
  ConfigurableModuleClass: ConfigurableWebhooksAdminModule,
  MODULE_OPTIONS_TOKEN: WEBHOOKS_ADMIN_OPTIONS,
  OPTIONS_TYPE: WEBHOOKS_ADMIN_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: WEBHOOKS_ADMIN_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<WebhooksAdminModuleOptions>({ moduleName: 'OmiseWebhooksAdmin' })
  .setClassMethodName('forRoot')
  .setExtras<Partial<WebhooksAdminModuleExtras>>({ path: DEFAULT_ADMIN_PATH }, (definition, extras): DynamicModule => {
    const { guard, path = DEFAULT_ADMIN_PATH } = extras;
    if (typeof guard !== 'function') {
      throw new Error(
        'WebhooksAdminModule: a guard is required (forRoot({ guard: YourAdminGuard })): the admin page can replay events and shows stored data, so it is never open.',
      );
    }
    return {
      ...definition,
      controllers: adminControllersAt(path, guard),
      providers: [
        ...(definition.providers ?? []),
        guard,
        SameOriginGuard,
        AdminMount,
        {
          provide: WEBHOOKS_ADMIN_CONFIG,
          inject: [WEBHOOKS_ADMIN_OPTIONS],
          useFactory: (options: WebhooksAdminModuleOptions): WebhooksAdminConfig => ({ path, actor: options.actor ?? defaultActor }),
        },
      ],
    };
  })
  .build();
