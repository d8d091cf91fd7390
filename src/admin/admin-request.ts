/** What the admin routes read of a request (Express's, or any platform's with these fields). */
export interface AdminRequest {
  method: string;
  url: string;
  /** Express: the URL as the client sent it, before any router trimmed it. */
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
  /** Set by the host's guard or auth middleware (passport's convention); names the operator. */
  user?: unknown;
}

/** Names the operator of a request for the replay history. */
export type ActorOf = (request: AdminRequest) => string | undefined;

/**
 * The default: the host's authenticated user, as passport and most guards leave it on
 * `request.user` (a string, or an object with a username, name, email or id), else `admin`.
 */
export const defaultActor: ActorOf = (request) => {
  const user = request.user;
  if (typeof user === 'string') return user;
  if (typeof user === 'object' && user !== null) {
    const fields = user as Record<string, unknown>;
    for (const field of ['username', 'name', 'email', 'id']) {
      const value = fields[field];
      if (typeof value === 'string' || typeof value === 'number') return String(value);
    }
  }
  return 'admin';
};

/** What a path prefix in front of the mount may hold: path characters in non-empty segments (`//` or `\` would read as a host). */
const PATH_PREFIX = /^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*$/;

/**
 * The admin's path as the browser sees it, from the request's path only: with the host's global
 * prefix (and a version segment, if any) in front of the mount path, so links work however the host
 * mounts it. Links and redirects are built on it, so it is always a path from the root (`/…`), never
 * a URL with a host: an absolute-form request target (`GET http://evil.example/admin/webhooks`) gives
 * its path and nothing else, and neither `Host` nor any forwarded header is read.
 */
export function mountedBase(request: AdminRequest, path: string): string {
  const mount = `/${path.replace(/^\/+|\/+$/g, '')}`;
  const target = (request.originalUrl ?? request.url).split(/[?#]/)[0];
  const pathname = `/${target.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/, '').replace(/^\/+/, '')}`;
  const at = `${pathname}/`.indexOf(`${mount}/`);
  const prefix = at >= 0 ? pathname.slice(0, at) : '';
  return PATH_PREFIX.test(prefix) ? prefix + mount : mount;
}

export function header(request: AdminRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
