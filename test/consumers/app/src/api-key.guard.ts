import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { isOmiseWebhookRoute } from 'omise-nest-webhooks';

/** The host's own authentication. Omise cannot send the API key: the webhook route is signed instead. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (isOmiseWebhookRoute(context)) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    return request.headers['x-api-key'] === process.env.API_KEY;
  }
}
