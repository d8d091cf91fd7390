import { ConfigurableModuleBuilder } from '@nestjs/common';
import { webhooksControllerAt } from './intake/webhooks.controller';
import { DEFAULT_WEBHOOK_PATH, type WebhooksModuleExtras, type WebhooksModuleOptions } from './webhooks.options';

export const WEBHOOKS_EXTRAS = Symbol('WebhooksModuleExtras');

export const { ConfigurableModuleClass: ConfigurableWebhooksModule, MODULE_OPTIONS_TOKEN: WEBHOOKS_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<WebhooksModuleOptions>({ moduleName: 'OmiseWebhooks' })
    .setClassMethodName('forRoot')
    // `useClass` / `useExisting` factories implement WebhooksOptionsFactory.
    .setFactoryMethodName('createWebhooksOptions')
    // The path is an extra, not an option: routes are fixed before any async factory runs.
    .setExtras<WebhooksModuleExtras>({ path: DEFAULT_WEBHOOK_PATH }, (definition, extras) => ({
      ...definition,
      // One endpoint per app; global so any module can inject WebhooksAdmin without re-configuring it.
      global: true,
      controllers: [webhooksControllerAt(extras.path)],
      providers: [...(definition.providers ?? []), { provide: WEBHOOKS_EXTRAS, useValue: extras }],
    }))
    .build();
