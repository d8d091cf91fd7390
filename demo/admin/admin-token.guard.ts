import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * ADMIN_TOKEN, two ways: `Authorization: Bearer <token>` for scripts, and HTTP Basic with the token
 * as the password (any user name) for a browser, which asks for it by itself on a 401 with
 * `WWW-Authenticate: Basic`. The Basic user name is who the replay history says replayed. Without
 * ADMIN_TOKEN configured the admin is closed (403), never open. Compared as SHA-256 digests, so the
 * comparison is constant-time whatever the lengths.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(private readonly config: ConfigService) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.get<string>('ADMIN_TOKEN');
    if (!expected) throw new ForbiddenException('The admin is disabled: set ADMIN_TOKEN to enable it.');
    const request = context.switchToHttp().getRequest<Request & { user?: { username: string } }>();
    const credentials = credentialsOf(request.headers.authorization ?? '');
    const digest = (value: string) => createHash('sha256').update(value).digest();
    if (credentials === null || !timingSafeEqual(digest(credentials.token), digest(expected))) {
      context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Basic realm="Omise webhooks admin", charset="UTF-8"');
      throw new UnauthorizedException('Sign in with ADMIN_TOKEN: HTTP Basic with the token as password, or Authorization: Bearer <ADMIN_TOKEN>.');
    }
    request.user = { username: credentials.user };
    return true;
  }
}

function credentialsOf(header: string): { user: string; token: string } | null {
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme === 'Bearer') return { user: 'bearer token', token: value };
  if (scheme !== 'Basic') return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon).trim() || 'admin', token: decoded.slice(colon + 1) };
}
