import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { buildOmiseEvent, postOmiseEvent } from 'omise-nest-webhooks/testing';
import { describeOnDatabases, type TestDatabaseKind } from './support/test-databases';
import { countStored, SECRET, startWebhooksTestApp, useTestDatabase, type WebhooksTestApp } from './support/webhooks-test-app';

/** A handler that holds a transaction on the host's pool until the test lets it go. */
@Injectable()
class HoldingHandler {
  held = 0;
  private release?: () => void;
  private readonly released = new Promise<void>((resolve) => (this.release = resolve));
  private heldAll?: () => void;
  readonly allHeld = new Promise<void>((resolve) => (this.heldAll = resolve));

  constructor(private readonly dataSource: DataSource) {}

  @OnEvent('charge.create')
  async hold(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT 1');
      this.held += 1;
      if (this.held === POOL_SIZE) this.heldAll?.();
      await this.released;
    });
  }

  letGo(): void {
    this.release?.();
  }
}

/** The host's pool: as many connections as the worker runs handlers at once, so handlers can take all of it. */
const POOL_SIZE = 2;

function poolOf(kind: TestDatabaseKind['name'], size: number): Record<string, unknown> {
  return kind === 'postgres' ? { poolSize: size, extra: { max: size } } : { poolSize: size, extra: { connectionLimit: size } };
}

describeOnDatabases(['postgres', 'mariadb'], 'intake beside handlers that hold every connection of the host, on $name', (kind) => {
  const database = useTestDatabase(kind);

  async function withApp(intakeConnections: number, test: (t: WebhooksTestApp) => Promise<void>): Promise<void> {
    const db = database.db;
    const t = await startWebhooksTestApp(
      { ...db, options: { ...db.options, ...poolOf(kind.name, POOL_SIZE) } },
      { providers: [HoldingHandler], intakeConnections, databaseTimeoutMs: 2_000, dispatch: { concurrency: POOL_SIZE, shutdownTimeoutMs: 100 } },
    );
    try {
      await test(t);
    } finally {
      t.app.get(HoldingHandler).letGo();
      await t.close();
    }
  }

  it("still stores and acknowledges deliveries through intake's own connections", async () => {
    await withApp(2, async (t) => {
      for (let i = 0; i < POOL_SIZE; i++) await postOmiseEvent(t.app, buildOmiseEvent('charge.create'), { secret: SECRET }).expect(200);
      const handler = t.app.get(HoldingHandler);
      await handler.allHeld;

      // Every connection of the host's pool is held by a handler: this one is taken all the same.
      const event = buildOmiseEvent('charge.complete');
      await postOmiseEvent(t.app, event, { secret: SECRET }).expect(200, { received: true, id: event.id, duplicate: false });
      handler.letGo();
      await expect(countStored(t.dataSource, event.id)).resolves.toBe(1);
    });
  });

  it("without them (intakeConnections: 0), a delivery waits behind the handlers until the deadline, and is refused 503", async () => {
    await withApp(0, async (t) => {
      for (let i = 0; i < POOL_SIZE; i++) await postOmiseEvent(t.app, buildOmiseEvent('charge.create'), { secret: SECRET }).expect(200);
      await t.app.get(HoldingHandler).allHeld;
      const refused = await postOmiseEvent(t.app, buildOmiseEvent('charge.complete'), { secret: SECRET }).expect(503);
      expect(refused.body).toMatchObject({ reason: 'store_unavailable' });
    });
  });
});
