import { DataSource, type Repository } from 'typeorm';
import { ChargeEntity } from '../../charges/charge.entity';
import { DOMAIN_ENTITIES, DOMAIN_MIGRATIONS } from '../../domain';
import { createScratchDatabase, databaseKinds, type ScratchDatabase } from '../testing/scratch-database';
import { applyIfNewer, type EventStamp, insertIfAbsent } from './apply-if-newer';

// Run against every server with TEST_DATABASES=sqlite,postgres,mariadb (SQLite alone by default).
describe.each(databaseKinds())('applyIfNewer on %s', (kind) => {
  let database: ScratchDatabase;
  let dataSource: DataSource;
  let charges: Repository<ChargeEntity>;
  let sequence = 0;
  const nextId = () => `chrg_test_order_${++sequence}`;
  const stamp = (id: string, at: string): EventStamp => ({ id, createdAt: new Date(at) });
  const apply = (chargeId: string, event: EventStamp, status: string) => applyIfNewer(charges, { objectId: chargeId, event, set: { status } });

  beforeAll(async () => {
    database = await createScratchDatabase(kind);
    dataSource = await new DataSource({ ...database.options, entities: DOMAIN_ENTITIES, migrations: DOMAIN_MIGRATIONS }).initialize();
    await dataSource.runMigrations();
    charges = dataSource.getRepository(ChargeEntity);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('applies a newer event, skips an older one, reports a redelivery as a duplicate', async () => {
    const id = nextId();
    await expect(apply(id, stamp('evnt_test_2', '2025-01-01T00:00:02Z'), 'successful')).resolves.toBe('applied');
    await expect(apply(id, stamp('evnt_test_1', '2025-01-01T00:00:01Z'), 'pending')).resolves.toBe('skipped');
    await expect(apply(id, stamp('evnt_test_2', '2025-01-01T00:00:02Z'), 'successful')).resolves.toBe('duplicate');
    await expect(apply(id, stamp('evnt_test_3', '2025-01-01T00:00:03Z'), 'reversed')).resolves.toBe('applied');
    await expect(charges.findOneByOrFail({ chargeId: id })).resolves.toMatchObject({
      status: 'reversed',
      lastEventId: 'evnt_test_3',
      lastEventAt: new Date('2025-01-01T00:00:03Z'),
    });
  });

  it('compares times, not their text: an offset time is ordered by the instant it names', async () => {
    const id = nextId();
    // 19:12:35+07:00 is 12:12:35Z, before 12:30Z although the text sorts after it.
    await apply(id, stamp('evnt_test_b', '2017-11-04T12:30:00Z'), 'successful');
    await expect(apply(id, stamp('evnt_test_a', '2017-11-04T19:12:35+07:00'), 'pending')).resolves.toBe('skipped');
  });

  it('breaks a tie on creation time by the byte order of the event ids, like JavaScript does', async () => {
    const id = nextId();
    const at = '2025-01-01T00:00:00Z';
    // 'Z' (0x5A) sorts before 'a' (0x61) in bytes; locale collations put 'a' first.
    expect('evnt_test_Z' < 'evnt_test_a').toBe(true);
    await expect(apply(id, stamp('evnt_test_a', at), 'successful')).resolves.toBe('applied');
    await expect(apply(id, stamp('evnt_test_Z', at), 'pending')).resolves.toBe('skipped');
    await expect(charges.findOneByOrFail({ chargeId: id })).resolves.toMatchObject({ status: 'successful', lastEventId: 'evnt_test_a' });
  });

  it('never lowers a raised column, whatever the order', async () => {
    const id = nextId();
    await applyIfNewer(charges, { objectId: id, event: stamp('evnt_test_1', '2025-01-01T00:00:01Z'), set: {}, raise: { refundedAmount: 5000 } });
    await applyIfNewer(charges, {
      objectId: id,
      event: stamp('evnt_test_2', '2025-01-01T00:00:02Z'),
      set: {},
      raise: { refundedAmount: 0, disputed: false },
    });
    await expect(charges.findOneByOrFail({ chargeId: id })).resolves.toMatchObject({ refundedAmount: 5000, disputed: false });
  });

  it('inserts once: insertIfAbsent reports only the first insert', async () => {
    const id = nextId();
    await expect(insertIfAbsent(charges, { chargeId: id })).resolves.toBe(true);
    await expect(insertIfAbsent(charges, { chargeId: id })).resolves.toBe(false);
  });

  describe('concurrent events for one object (started together, on separate connections where the driver pools)', () => {
    it('the newest event wins whatever order they land in', async () => {
      const id = nextId();
      const events = Array.from({ length: 12 }, (_, index) => stamp(`evnt_test_${String(index).padStart(2, '0')}`, `2025-01-01T00:00:${String(index).padStart(2, '0')}Z`));
      const shuffled = [...events].sort(() => Math.random() - 0.5);
      const outcomes = await Promise.all(shuffled.map((event) => apply(id, event, `status_${event.id.slice(-2)}`)));
      expect(outcomes).toContain('applied');
      expect(outcomes.every((outcome) => outcome === 'applied' || outcome === 'skipped')).toBe(true);
      await expect(charges.findOneByOrFail({ chargeId: id })).resolves.toMatchObject({ status: 'status_11', lastEventId: 'evnt_test_11' });
    });

    it('of many deliveries of one event exactly one applies', async () => {
      const id = nextId();
      const event = stamp('evnt_test_once', '2025-01-01T00:00:00Z');
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => apply(id, event, 'successful')));
      expect(outcomes.filter((outcome) => outcome === 'applied')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(9);
    });
  });

  it('the migrations revert cleanly', async () => {
    for (let step = 0; step < DOMAIN_MIGRATIONS.length; step++) await dataSource.undoLastMigration();
    const tables = ['charges', 'charge_refunds', 'transfers', 'disputes', 'schedules'];
    for (const table of tables) await expect(dataSource.createQueryRunner().hasTable(table)).resolves.toBe(false);
    await dataSource.runMigrations();
  });
});
