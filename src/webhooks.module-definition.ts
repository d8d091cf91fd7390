import { ConfigurableModuleBuilder } from '@nestjs/common';
import { webhooksControllerAt } from './intake/webhooks.controller';
import { DEFAULT_WEBHOOK_PATH, WebhooksModuleExtras, WebhooksModuleOptions } from './webhooks.options';

export const WEBHOOKS_EXTRAS = Symbol('WebhooksModuleExtras');

export const {
  ConfigurableModuleClass: ConfigurableWebhooksModule,
  MODULE_OPTIONS_TOKEN: WEBHOOKS_MODULE_OPTIONS,
  OPTIONS_TYPE: WEBHOOKS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: WEBHOOKS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<WebhooksModuleOptions>({ moduleName: 'OmiseWebhooks' })
  .setClassMethodName('forRoot')
  // The path is an extra, not an option: routes are fixed before any async factory runs.
  .setExtras<WebhooksModuleExtras>({ path: DEFAULT_WEBHOOK_PATH }, (definition, extras) => ({
    ...definition,
    // One endpoint per app; global so any module can inject WebhookAdmin without re-configuring it.
    global: true,
    controllers: [webhooksControllerAt(extras.path)],
    providers: [...(definition.providers ?? []), { provide: WEBHOOKS_EXTRAS, useValue: extras }],
  }))
  .build();
