import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { type AdminRequest, header } from './admin-request';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-site request forgery: a browser signed in to the admin page sends its credentials (HTTP
 * Basic, a session cookie) with any request to it, even one another site's page makes, so a replay
 * must come from the admin page itself. Browsers say where a request comes from: `Sec-Fetch-Site`
 * (every current browser), else `Origin` (older ones), which a page cannot forge. A request with
 * neither is not from a browser (curl, a script) and carries only the credentials its sender chose.
 */
@Injectable()
export class SameOriginGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    if (SAFE_METHODS.has(request.method)) return true;
    const site = header(request, 'sec-fetch-site');
    if (site !== undefined) {
      // `none`: the user's own action (a bookmark, the address bar), not another site's.
      if (site === 'same-origin' || site === 'none') return true;
      throw refused();
    }
    const origin = header(request, 'origin');
    if (origin !== undefined && hostOf(origin) !== header(request, 'host')) throw refused();
    return true;
  }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // `Origin: null` (a sandboxed frame, a file) is never the admin page
  }
}

function refused(): ForbiddenException {
  return new ForbiddenException('Refused: changes are accepted only from the admin page itself (cross-site request).');
}
