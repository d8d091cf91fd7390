import { createServer, connect, type Server, type Socket } from 'node:net';
import type { DataSourceOptions } from 'typeorm';
import type { TestDatabase } from './test-databases';

/**
 * A TCP proxy in front of a database server, for fault tests: the app connects to `port`, the proxy
 * forwards to the real server, and a test can break the network in the ways production does.
 *
 * - `cut()`: every connection is reset (RST) and new ones are reset as soon as they open, until
 *   `restore()`. The client learns at once: a crashed server, a refused port.
 * - `blackhole()`: connections are accepted and bytes are read, but nothing is forwarded either way
 *   and nobody is told: a partition, or a peer that vanished without a RST. The server keeps its
 *   sessions too. `restore()` resets every blackholed connection on both sides (as the network reset
 *   does when it comes back) and forwards again.
 * - `failover()`: the open connections go silent for the client as in a blackhole, but their server
 *   side is closed at once (the old primary is gone, with its sessions and locks), and new
 *   connections are forwarded (to the new primary). `restore()` resets the stranded client sides.
 * - `pause()`: nothing is forwarded, but every byte is kept, both ways, in order, with any FIN;
 *   `restore()` delivers them (a partition that heals: an INSERT sent during the pause commits after
 *   the client gave up on it).
 */
export interface TcpProxy {
  /** Where the app connects, on 127.0.0.1. */
  readonly port: number;
  cut(): void;
  blackhole(): void;
  failover(): void;
  pause(): void;
  restore(): void;
  close(): Promise<void>;
  /** What a pause is holding now, per direction (for tests that need to know what the app sent). */
  held(): { toServer: Buffer; toClient: Buffer };
  /** Connections open now (client side). */
  readonly openConnections: number;
}

type Mode = 'forward' | 'cut' | 'blackhole' | 'pause';
/** One direction of a link: a socket to write to, and what a pause holds for it. */
interface Direction {
  /** Null for a connection accepted during a blackhole, which never reaches the server. */
  readonly to: Socket | null;
  held: Array<Buffer | 'end'>;
}

/** A client connection and its connection to the server. */
class Link {
  /** Blackholed or stranded: nothing passes any more; reset on restore. */
  silenced = false;
  readonly toServer: Direction;
  readonly toClient: Direction;

  constructor(
    readonly client: Socket,
    readonly server: Socket | null,
  ) {
    this.toServer = { to: server, held: [] };
    this.toClient = { to: client, held: [] };
  }

  /** Resets both sides: the peers see ECONNRESET. */
  reset(): void {
    this.client.resetAndDestroy();
    this.server?.resetAndDestroy();
  }
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: Mode = 'forward';
  const links = new Set<Link>();

  const deliver = (to: Socket | null, chunk: Buffer | 'end') => {
    if (!to || to.destroyed) return;
    if (chunk === 'end') to.end();
    else to.write(chunk);
  };
  const pass = (link: Link, direction: Direction, chunk: Buffer | 'end') => {
    if (link.silenced) return;
    if (mode === 'pause') direction.held.push(chunk);
    else deliver(direction.to, chunk);
  };
  const flush = (direction: Direction) => {
    for (const chunk of direction.held.splice(0)) deliver(direction.to, chunk);
  };

  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    // A blackholed server is never reached: the connection is accepted here and goes nowhere.
    const upstream = mode === 'blackhole' ? null : connect({ host: target.host, port: target.port, allowHalfOpen: true });
    const link = new Link(client, upstream);
    link.silenced = mode === 'blackhole';
    links.add(link);
    client.on('error', () => undefined);
    upstream?.on('error', () => undefined);
    // Read everything, whatever the mode: a silent peer still accepts bytes (into its kernel buffer).
    client.on('data', (chunk: Buffer) => pass(link, link.toServer, chunk));
    client.on('end', () => pass(link, link.toServer, 'end'));
    upstream?.on('data', (chunk: Buffer) => pass(link, link.toClient, chunk));
    upstream?.on('end', () => pass(link, link.toClient, 'end'));
    const closed = () => {
      // A side that closes while bytes are held toward the other is ended after they are delivered.
      if (mode === 'pause' && !link.silenced) return;
      if (client.destroyed && (upstream === null || upstream.destroyed)) links.delete(link);
      else if (!link.silenced) {
        client.destroy();
        upstream?.destroy();
      }
    };
    client.on('close', closed);
    upstream?.on('close', closed);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };

  const restore = () => {
    for (const link of [...links]) {
      if (link.silenced) {
        link.reset();
        links.delete(link);
        continue;
      }
      flush(link.toServer);
      flush(link.toClient);
      // A side that closed during the pause: the other side had its bytes and its FIN; done.
      if (link.client.destroyed || link.server?.destroyed) {
        if (!link.client.destroyed) link.client.end();
        if (link.server && !link.server.destroyed) link.server.end();
      }
    }
    mode = 'forward';
  };

  return {
    port,
    get openConnections() {
      return [...links].filter((link) => !link.client.destroyed).length;
    },
    cut() {
      mode = 'cut';
      for (const link of links) link.reset();
      links.clear();
    },
    blackhole() {
      mode = 'blackhole';
      for (const link of links) {
        link.silenced = true;
        link.toServer.held = [];
        link.toClient.held = [];
      }
    },
    failover() {
      for (const link of links) {
        link.silenced = true;
        link.toServer.held = [];
        link.toClient.held = [];
        link.server?.resetAndDestroy();
      }
      mode = 'forward';
    },
    pause() {
      mode = 'pause';
    },
    restore,
    held() {
      const all = (pick: (link: Link) => Direction) =>
        Buffer.concat([...links].flatMap((link) => pick(link).held.filter((chunk): chunk is Buffer => chunk !== 'end')));
      return { toServer: all((link) => link.toServer), toClient: all((link) => link.toClient) };
    },
    async close() {
      for (const link of links) link.reset();
      links.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The host and port of a server test database (PostgreSQL, MariaDB), from its URL. */
export function serverOf(db: TestDatabase): { host: string; port: number } {
  const url = new URL(db.url);
  return { host: url.hostname, port: Number(url.port) };
}

/** The same test database, reached through the proxy: its URL with the proxy's port. */
export function throughProxy(db: TestDatabase, proxy: TcpProxy): TestDatabase {
  const rewrite = (value: string) => {
    const url = new URL(value);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    return url.toString();
  };
  const options = db.options as DataSourceOptions & { url?: string };
  if (typeof options.url !== 'string') throw new Error(`throughProxy: ${db.options.type} has no server URL to point at the proxy`);
  return { ...db, options: { ...options, url: rewrite(options.url) } as DataSourceOptions, url: rewrite(db.url) };
}
