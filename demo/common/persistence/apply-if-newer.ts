import type { Repository, ValueTransformer } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { EventOrderedEntity } from './event-ordered.entity';
import { type Dialect, dialectOf, sqlGreatest } from './sql-dialect';

/** What became of an event: applied, older than what the row already reflects, or already applied. */
export type OrderedOutcome = 'applied' | 'skipped' | 'duplicate';

/** The position of an event in an object's history. */
export interface EventStamp {
  readonly id: string;
  readonly createdAt: Date;
}

/** Properties of `T` whose values only ever grow (an amount refunded, a disputed flag). */
export type RaisableFields<T> = { [P in keyof T]?: T[P] extends number | boolean ? T[P] : never };

export interface OrderedChange<T extends EventOrderedEntity> {
  /** Primary key of the object's row. */
  readonly objectId: string;
  readonly event: EventStamp;
  /** Values the event states; a property left out (not in the payload) keeps its stored value. */
  readonly set: QueryDeepPartialEntity<T>;
  /** Values kept at the larger of stored and new, so no event can lower them. */
  readonly raise?: RaisableFields<T>;
}

/**
 * "Newer than the last event applied": a later creation time, or the same time and a greater id
 * (event ids of one second are otherwise unordered; any fixed tie-break makes every instance agree).
 */
const NEWER_THAN_LAST_APPLIED =
  '(last_event_at IS NULL OR last_event_at < :eventAt OR (last_event_at = :eventAt AND last_event_id < :eventId))';

/**
 * Applies an event to its object's row only if it is newer than the last event applied there.
 *
 * Concurrency: the compare and the write are ONE statement, never a read followed by a write. On
 * PostgreSQL and SQLite that statement is an upsert (`INSERT … ON CONFLICT DO UPDATE … WHERE <newer>`):
 * the first event of an object creates its row, every later one updates it only if newer, in one
 * round trip. MySQL has no conditional upsert, so there the row is created first (insert-if-absent)
 * and then updated with a conditional UPDATE (`… WHERE id = ? AND <newer>`); a crash in between leaves
 * an empty row that the retry fills. PostgreSQL and InnoDB re-check the condition against the latest
 * committed row after waiting for its lock, and SQLite runs one writer at a time, so of any number of
 * concurrent events for one object each lands only if it is still the newest when it writes.
 */
export async function applyIfNewer<T extends EventOrderedEntity>(
  repository: Repository<T>,
  change: OrderedChange<T>,
): Promise<OrderedOutcome> {
  const dialect = dialectOf(repository.manager.connection);
  const applied = dialect === 'mysql' ? await updateIfNewer(repository, change) : await upsertIfNewer(repository, change, dialect);
  if (applied) return 'applied';

  // Not newer. Tell a redelivery of the applied event from an older one, for the logs and the caller.
  const idColumn = primaryColumnOf(repository);
  const row = await repository.manager
    .createQueryBuilder()
    .select(columnOf(repository, 'lastEventId'), 'lastEventId')
    .from(repository.target, 'row')
    .where(`${idColumn.databaseName} = :objectId`, { objectId: change.objectId })
    .getRawOne<{ lastEventId: string | null }>();
  return row?.lastEventId === change.event.id ? 'duplicate' : 'skipped';
}

/** PostgreSQL and SQLite: one upsert whose update only happens for a newer event. True if it wrote. */
async function upsertIfNewer<T extends EventOrderedEntity>(repository: Repository<T>, change: OrderedChange<T>, dialect: Dialect): Promise<boolean> {
  const { metadata } = repository;
  const driver = repository.manager.connection.driver;
  const table = metadata.tablePath;
  const idColumn = primaryColumnOf(repository);
  const stated: Record<string, unknown> = { ...change.set, lastEventId: change.event.id, lastEventAt: change.event.createdAt };
  const raised = Object.entries(change.raise ?? {}).filter(([, value]) => value !== undefined);
  const columns: string[] = [idColumn.databaseName];
  const values: unknown[] = [change.objectId];
  const updates: string[] = [];
  for (const [property, value] of [...Object.entries(stated), ...raised]) {
    const column = metadata.findColumnWithPropertyName(property);
    if (!column) throw new Error(`${metadata.name} has no column for property "${property}".`);
    columns.push(column.databaseName);
    // What the query builder would bind: the column's transformers, then the driver's own conversion.
    const transformers: ValueTransformer[] = column.transformer ? [column.transformer].flat() : [];
    values.push(driver.preparePersistentValue(transformers.reduce<unknown>((current, transformer) => transformer.to(current), value), column));
    const isRaised = raised.some(([name]) => name === property);
    updates.push(
      isRaised
        ? `${column.databaseName} = ${sqlGreatest(dialect, `${table}.${column.databaseName}`, `excluded.${column.databaseName}`)}`
        : `${column.databaseName} = excluded.${column.databaseName}`,
    );
  }
  const placeholders = values.map((_value, index) => (dialect === 'postgres' ? `$${index + 1}` : '?'));
  const newer =
    `${table}.last_event_at IS NULL OR ${table}.last_event_at < excluded.last_event_at OR ` +
    `(${table}.last_event_at = excluded.last_event_at AND ${table}.last_event_id < excluded.last_event_id)`;
  const rows = await repository.manager.query<unknown[]>(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders.join(', ')}) ` +
      `ON CONFLICT (${idColumn.databaseName}) DO UPDATE SET ${updates.join(', ')} WHERE ${newer} RETURNING ${idColumn.databaseName}`,
    values,
  );
  return rows.length === 1;
}

/** MySQL: the row is made first, then updated only if the event is newer. True if it wrote. */
async function updateIfNewer<T extends EventOrderedEntity>(repository: Repository<T>, change: OrderedChange<T>): Promise<boolean> {
  const idColumn = primaryColumnOf(repository);
  await insertIfAbsent(repository, { [idColumn.propertyName]: change.objectId });
  const values: Record<string, unknown> = { ...change.set, lastEventId: change.event.id, lastEventAt: change.event.createdAt };
  const parameters: Record<string, unknown> = { objectId: change.objectId, eventId: change.event.id, eventAt: change.event.createdAt };
  for (const [property, value] of Object.entries(change.raise ?? {})) {
    if (value === undefined) continue;
    const column = columnOf(repository, property);
    values[property] = () => sqlGreatest('mysql', column, `:raise_${property}`);
    parameters[`raise_${property}`] = value;
  }
  const result = await repository.manager
    .createQueryBuilder()
    .update(repository.target)
    .set(values)
    .where(`${idColumn.databaseName} = :objectId`)
    .andWhere(NEWER_THAN_LAST_APPLIED)
    .setParameters(parameters)
    .execute();
  return result.affected === 1;
}

/**
 * Inserts a row unless one with the same primary key exists; true when this call inserted it.
 * The values are the caller's validated ids and amounts, which fit their columns.
 */
export async function insertIfAbsent<T extends object>(
  repository: Repository<T>,
  values: Record<string, string | number>,
): Promise<boolean> {
  const dialect = dialectOf(repository.manager.connection);
  const table = repository.metadata.tablePath;
  const key = primaryColumnOf(repository).databaseName;
  const columns = Object.keys(values).map((property) => columnOf(repository, property));
  const placeholders = columns.map((_column, index) => (dialect === 'postgres' ? `$${index + 1}` : '?'));
  const row = `${table} (${columns.join(', ')}) VALUES (${placeholders.join(', ')})`;
  // MySQL: IGNORE, not a no-op ON DUPLICATE KEY UPDATE, because with the CLIENT_FOUND_ROWS flag the
  // drivers set, a no-op update reports one affected row just like an insert. IGNORE would also
  // hide truncation, which is why the values must already fit.
  const sql = dialect === 'mysql' ? `INSERT IGNORE INTO ${row}` : `INSERT INTO ${row} ON CONFLICT (${key}) DO NOTHING`;
  const runner = repository.manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, Object.values(values), true);
    return result.affected === 1;
  } finally {
    await runner.release();
  }
}

function primaryColumnOf<T extends object>(repository: Repository<T>): { propertyName: string; databaseName: string } {
  const [primary] = repository.metadata.primaryColumns;
  if (!primary) throw new Error(`${repository.metadata.name} has no primary column.`);
  return primary;
}

function columnOf<T extends object>(repository: Repository<T>, property: string): string {
  const column = repository.metadata.findColumnWithPropertyName(property);
  if (!column) throw new Error(`${repository.metadata.name} has no column for property "${property}".`);
  return column.databaseName;
}
