import type { INestApplication, Type } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions, type EntityTarget, type FindOptionsWhere, type ObjectLiteral } from 'typeorm';
import { DOMAIN_MIGRATIONS } from '../../domain';
import type { OmiseEventKey, OmiseEventOf } from 'omise-nest-webhooks';
import type { EventOutcome } from '../events/event-outcome';

export interface DomainTestContext {
  readonly module: TestingModule;
  /** The HTTP application, when asked for (`{ http: true }`). */
  readonly app?: INestApplication;
  readonly dataSource: DataSource;
  /** Emits like the webhooks dispatcher (`emitAsync(key, event)`); resolves to the listener's outcome. */
  emit<K extends OmiseEventKey>(event: OmiseEventOf<K>): Promise<EventOutcome>;
  /** The stored entity with primary key `id`, or null. */
  find<T extends ObjectLiteral>(entity: EntityTarget<T>, id: string): Promise<T | null>;
  close(): Promise<void>;
}

/**
 * Boots a domain module the way the host does (event emitter with wildcards, autoLoadEntities, the
 * migrations run at start) on a real database: in-memory SQLite unless `database` says otherwise.
 */
export async function createDomainTestContext(
  feature: Type<unknown>,
  options: { http?: boolean; database?: DataSourceOptions } = {},
): Promise<DomainTestContext> {
  const module = await Test.createTestingModule({
    imports: [
      EventEmitterModule.forRoot({ wildcard: true }),
      TypeOrmModule.forRoot({
        ...(options.database ?? { type: 'better-sqlite3', database: ':memory:' }),
        autoLoadEntities: true,
        migrations: DOMAIN_MIGRATIONS,
        migrationsRun: true,
        synchronize: false,
      }),
      feature,
    ],
  }).compile();
  // Either one initializes the module; both would register every listener twice.
  const app = options.http ? await module.createNestApplication().init() : (await module.init(), undefined);
  const emitter = module.get(EventEmitter2);
  const dataSource = module.get(DataSource);
  return {
    module,
    app,
    dataSource,
    async emit(event) {
      const results: unknown[] = await emitter.emitAsync(event.key, event);
      if (results.length !== 1) throw new Error(`${event.key}: expected one listener, found ${results.length}.`);
      return results[0] as EventOutcome;
    },
    find<T extends ObjectLiteral>(entity: EntityTarget<T>, id: string) {
      const repository = dataSource.getRepository(entity);
      const [primary] = repository.metadata.primaryColumns;
      return repository.findOneBy({ [primary.propertyName]: id } as FindOptionsWhere<T>);
    },
    close: () => (app ?? module).close(),
  };
}
