import { Module } from '@nestjs/common';
import { WebhooksAdminModule } from 'omise-nest-webhooks';
import { AdminTokenGuard } from './admin-token.guard';

/**
 * The package's admin page and JSON API at /admin/webhooks (page), /admin/webhooks/events and
 * /admin/webhooks/replay (JSON), behind ADMIN_TOKEN.
 */
@Module({ imports: [WebhooksAdminModule.forRoot({ path: 'admin/webhooks', guard: AdminTokenGuard })] })
export class AdminModule {}
