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

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The credentials of an `Authorization` header, read strictly: one scheme (any case), one or more
 * spaces, one token, nothing after it. `Bearer <token> junk` is not the token, and Basic credentials
 * must be exact base64 of UTF-8 `user:password`. Null for anything else.
 */
function credentialsOf(header: string): { user: string; token: string } | null {
  const parts = /^([A-Za-z]+) +(\S+)$/.exec(header);
  if (!parts) return null;
  const [, scheme, value] = parts;
  if (scheme.toLowerCase() === 'bearer') return { user: 'bearer token', token: value };
  if (scheme.toLowerCase() !== 'basic' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return null;
  const bytes = Buffer.from(value, 'base64');
  // Node skips what is not base64; encoding back shows whether anything was.
  if (bytes.toString('base64') !== value) return null;
  let decoded: string;
  try {
    decoded = utf8.decode(bytes);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon).trim() || 'admin', token: decoded.slice(colon + 1) };
}
