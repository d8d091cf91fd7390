import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { type AdminRequest, header } from './admin-request';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-site request forgery: a browser signed in to the admin page sends its credentials (HTTP
 * Basic, a session cookie) with any request to it, even one another site's page makes, so a change
 * must be shown to come from the admin page itself. Browsers say where a request comes from, and a
 * page cannot forge it: `Sec-Fetch-Site` (every current browser), else `Origin`, else `Referer`
 * (older ones); the first one present decides, and it must name this origin. A request with none of
 * them is refused as well (a browser that sends none, a page that suppressed its referrer), unless it
 * carries a bearer token: a browser never adds one by itself, so its sender is a script that holds the
 * token, not a page riding on someone's session.
 */
@Injectable()
export class SameOriginGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    if (SAFE_METHODS.has(request.method)) return true;
    if (/^Bearer +\S/i.test(header(request, 'authorization') ?? '')) return true;
    const site = header(request, 'sec-fetch-site');
    // `none` (the address bar, a bookmark) never posts a form; `same-site` is another origin.
    if (site !== undefined) return site === 'same-origin' || refuse('it came from another site');
    const origin = header(request, 'origin');
    if (origin !== undefined) return isThisHost(origin, request) || refuse('it came from another site');
    const referer = header(request, 'referer');
    if (referer !== undefined) return isThisHost(referer, request) || refuse('it came from another site');
    return refuse('the request does not say where it comes from (no Sec-Fetch-Site, Origin or Referer); scripts use a bearer token');
  }
}

/** Whether an `Origin` or `Referer` names the host this request was sent to. */
function isThisHost(url: string, request: AdminRequest): boolean {
  const host = header(request, 'host');
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && host !== undefined && parsed.host === host.toLowerCase();
  } catch {
    return false; // `Origin: null` (a sandboxed frame, a file) and a relative or broken Referer are never the admin page
  }
}

function refuse(why: string): never {
  throw new ForbiddenException(`Refused: changes are accepted only from the admin page itself (cross-site request: ${why}).`);
}
