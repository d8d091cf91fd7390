import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/**
 * `Authorization: Bearer <ADMIN_TOKEN>`. Without ADMIN_TOKEN configured the admin routes are closed,
 * never open. Compared as SHA-256 digests, so the comparison is constant-time whatever the lengths.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(private readonly config: ConfigService) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.get<string>('ADMIN_TOKEN');
    if (!expected) throw new ForbiddenException('The admin API is disabled: set ADMIN_TOKEN to enable it.');
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    const digest = (value: string) => createHash('sha256').update(value).digest();
    if (!timingSafeEqual(digest(given), digest(expected))) {
      throw new UnauthorizedException('Send Authorization: Bearer <ADMIN_TOKEN>.');
    }
    return true;
  }
}
