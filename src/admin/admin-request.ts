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

/**
 * The admin's path as the browser sees it, from the request: with the host's global prefix (and a
 * version segment, if any) in front of the mount path, so links work however the host mounts it.
 */
export function mountedBase(request: AdminRequest, path: string): string {
  const mount = `/${path.replace(/^\/+|\/+$/g, '')}`;
  const pathname = (request.originalUrl ?? request.url).split('?')[0];
  const at = `${pathname}/`.indexOf(`${mount}/`);
  return at >= 0 ? pathname.slice(0, at) + mount : mount;
}

export function header(request: AdminRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
