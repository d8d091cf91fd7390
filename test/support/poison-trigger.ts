import type { DataSource } from 'typeorm';
import type { TestDatabaseKind } from './test-databases';

/** Ids the poison trigger makes the database refuse. */
export const POISON_PREFIX = 'evnt_poison_';

/** A BEFORE INSERT trigger that fails the statement for ids with the poison prefix: a row the database refuses. */
export async function installPoisonTrigger(dataSource: DataSource, kind: TestDatabaseKind['name']): Promise<void> {
  if (kind === 'postgres') {
    await dataSource.query(`
      CREATE FUNCTION omise_test_poison() RETURNS trigger AS $$
      BEGIN
        IF left(NEW.event_id, ${POISON_PREFIX.length}) = '${POISON_PREFIX}' THEN RAISE EXCEPTION 'poisoned row'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await dataSource.query(
      'CREATE TRIGGER omise_test_poison BEFORE INSERT ON omise_webhook_events FOR EACH ROW EXECUTE FUNCTION omise_test_poison()',
    );
  } else if (kind === 'mariadb') {
    await dataSource.query(`
      CREATE TRIGGER omise_test_poison BEFORE INSERT ON omise_webhook_events FOR EACH ROW
      BEGIN
        IF LEFT(NEW.event_id, ${POISON_PREFIX.length}) = '${POISON_PREFIX}' THEN
          SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poisoned row';
        END IF;
      END`);
  } else {
    await dataSource.query(`
      CREATE TRIGGER omise_test_poison BEFORE INSERT ON omise_webhook_events
      WHEN substr(NEW.event_id, 1, ${POISON_PREFIX.length}) = '${POISON_PREFIX}'
      BEGIN SELECT RAISE(ABORT, 'poisoned row'); END`);
  }
}
