import type { CanActivate, Type } from '@nestjs/common';
import type { ActorOf } from './admin-request';

export const DEFAULT_ADMIN_PATH = 'admin/webhooks';

/** What a host passes to `WebhooksAdminModule.forRoot()` (or returns from `forRootAsync`'s factory). */
export interface WebhooksAdminModuleOptions {
  /**
   * Names the operator of a request, for the replay history. Default: `request.user` as the host's
   * auth left it (a string, or its `username`, `name`, `email` or `id`), else `admin`.
   */
  actor?: ActorOf;
}

/** Given statically, next to the options: routes and their guards are fixed before any factory runs. */
export interface WebhooksAdminModuleExtras {
  /** Where the page and the API are mounted, below the host's global prefix. Default `admin/webhooks`. */
  path: string;
  /**
   * The host's guard (a Nest `CanActivate` class, provided in this module so its dependencies come
   * from the host's global providers or `forRootAsync`'s `imports`). Required: the admin is never open.
   */
  guard: Type<CanActivate>;
}

export interface WebhooksAdminConfig {
  readonly path: string;
  readonly actor: ActorOf;
}
export const WEBHOOKS_ADMIN_CONFIG = Symbol('WebhooksAdminConfig');
