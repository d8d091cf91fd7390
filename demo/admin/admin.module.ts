import { Module } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard';
import { WebhookAdminController } from './webhook-admin.controller';

/** Operator endpoints of the demo backend, behind ADMIN_TOKEN. */
@Module({ controllers: [WebhookAdminController], providers: [AdminTokenGuard] })
export class AdminModule {}
