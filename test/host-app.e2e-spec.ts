import {
  type ArgumentsHost,
  Body,
  type CanActivate,
  Catch,
  Controller,
  type DynamicModule,
  type ExceptionFilter,
  type ExecutionContext,
  Get,
  HttpException,
  Injectable,
  Module,
  NotFoundException,
  Param,
  Post,
  UnauthorizedException,
  ValidationPipe,
  VersioningType,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import { IsInt, IsString, Min } from 'class-validator';
import express, { type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { Column, DataSource, Entity, type MigrationInterface, PrimaryColumn, type QueryRunner, Repository, Table } from 'typeorm';
import { buildOmiseEvent, postOmiseEvent, waitForOmiseEvents } from 'omise-nest-webhooks/testing';
import {
  OMISE_WEBHOOK_MIGRATIONS,
  isOmiseWebhookRoute,
  WebhooksModule,
  type OmiseEventOf,
  type WebhooksModuleOptions,
} from 'omise-nest-webhooks';
import { describeOnDatabases, testDatabases, type TestDatabase } from './support/test-databases';
import { countStored, SECRET } from './support/webhooks-test-app';

/*
 * A host application as merchants already have them, with WebhooksModule dropped in unchanged: a
 * global API-key guard, a global prefix and URI versioning, a strict global ValidationPipe, a
 * catch-all exception filter with its own error shape, its own event emitter, DataSource, entity and
 * migration. The module must work inside it, and the host must keep working around it.
 */

const API_KEY = 'host-api-key';
/** Where Nest mounts the endpoint in this host: below the prefix, and version-neutral (no /v1). */
const WEBHOOK_PATH = 'api/webhooks/omise';

@Entity('host_orders')
class OrderEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id!: string;

  @Column({ name: 'charge_id', type: 'varchar', length: 64, unique: true })
  chargeId!: string;

  @Column({ type: 'integer' })
  amount!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: 'pending' | 'paid';

  @Column({ name: 'paid_by_event', type: 'varchar', length: 64, nullable: true })
  paidByEvent!: string | null;
}

/** The host's own migration, run next to OMISE_WEBHOOK_MIGRATIONS. */
class CreateHostOrders1763799000000 implements MigrationInterface {
  name = 'CreateHostOrders1763799000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'host_orders',
        columns: [
          { name: 'id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'charge_id', type: 'varchar', length: '64', isUnique: true },
          { name: 'amount', type: 'integer' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'paid_by_event', type: 'varchar', length: '64', isNullable: true },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('host_orders');
  }
}

class CreateOrderDto {
  @IsString()
  chargeId!: string;

  @IsInt()
  @Min(1)
  amount!: number;
}

@Controller('orders')
class OrdersController {
  constructor(@InjectRepository(OrderEntity) private readonly orders: Repository<OrderEntity>) {}

  @Post()
  async create(@Body() order: CreateOrderDto): Promise<OrderEntity> {
    const row: OrderEntity = { id: `ord_${randomUUID()}`, chargeId: order.chargeId, amount: order.amount, status: 'pending', paidByEvent: null };
    await this.orders.insert(row);
    return row;
  }

  @Get(':id')
  async find(@Param('id') id: string): Promise<OrderEntity> {
    const order = await this.orders.findOneBy({ id });
    if (!order) throw new NotFoundException(`No order ${id}.`);
    return order;
  }
}

/** A host feature reacting to Omise: marks the order of a completed charge paid (idempotent). */
@Injectable()
class OrderPaidListener {
  readonly received: Array<OmiseEventOf<'charge.complete'>> = [];

  constructor(@InjectRepository(OrderEntity) private readonly orders: Repository<OrderEntity>) {}

  @OnEvent('charge.complete')
  async markPaid(event: OmiseEventOf<'charge.complete'>): Promise<void> {
    this.received.push(event);
    await this.orders.update({ chargeId: event.data.id, status: 'pending' }, { status: 'paid', paidByEvent: event.id });
  }
}

/** The host's authentication: every route needs its API key, except the Omise webhook (signed instead). */
@Injectable()
class ApiKeyGuard implements CanActivate {
  /** Webhook requests that reached the host's guards. */
  static webhookRequests = 0;

  canActivate(context: ExecutionContext): boolean {
    if (isOmiseWebhookRoute(context)) {
      ApiKeyGuard.webhookRequests += 1;
      return true;
    }
    if (context.switchToHttp().getRequest<Request>().header('x-api-key') !== API_KEY) {
      throw new UnauthorizedException('Send x-api-key.');
    }
    return true;
  }
}

/** The host's catch-all: every error in its own shape. */
@Catch()
class HostExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    const message = exception instanceof HttpException ? exception.message : 'Something went wrong.';
    host.switchToHttp().getResponse<Response>().status(status).json({ error: { status, message } });
  }
}

@Module({})
class HostAppModule {
  static register(db: TestDatabase, webhooks: Partial<WebhooksModuleOptions> = {}): DynamicModule {
    return {
      module: HostAppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ OMISE_WEBHOOK_SECRET: SECRET })] }),
        EventEmitterModule.forRoot(),
        TypeOrmModule.forRoot({
          ...db.options,
          autoLoadEntities: true,
          migrations: [...OMISE_WEBHOOK_MIGRATIONS, CreateHostOrders1763799000000],
          migrationsRun: true,
        }),
        TypeOrmModule.forFeature([OrderEntity]),
        WebhooksModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({ secrets: config.getOrThrow<string>('OMISE_WEBHOOK_SECRET'), ...webhooks }),
        }),
      ],
      controllers: [OrdersController],
      providers: [OrderPaidListener, { provide: APP_GUARD, useClass: ApiKeyGuard }, { provide: APP_FILTER, useClass: HostExceptionFilter }],
    };
  }
}

interface HostAppOptions {
  rawBody?: boolean;
  webhooks?: Partial<WebhooksModuleOptions>;
  /** A common mistake: `app.use(express.json())` instead of `app.useBodyParser('json', …)`. */
  expressJson?: boolean;
  /** Middleware the host's main.ts adds after the body parser. */
  middleware?: express.RequestHandler;
}

/** Boots the host as its main.ts would; an app that fails to start is closed before the error is thrown. */
async function startHostApp(db: TestDatabase, options: HostAppOptions = {}): Promise<NestExpressApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [HostAppModule.register(db, options.webhooks)] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ rawBody: options.rawBody ?? true, logger: false });
  app.setGlobalPrefix('api');
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
  if (options.expressJson) app.use(express.json({ limit: 1024 * 1024 }));
  else app.useBodyParser('json', { limit: 1024 * 1024 });
  if (options.middleware) app.use(options.middleware);
  try {
    await app.init();
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}

describeOnDatabases(['postgres'], 'WebhooksModule dropped into a host app on $name', (kind) => {
  let db: TestDatabase;
  let app: NestExpressApplication;

  beforeAll(async () => {
    db = await kind.create();
    app = await startHostApp(db);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const hostApi = () => request(app.getHttpServer());

  it('serves the signed webhook below the global prefix, outside URI versioning, past the host auth guard', async () => {
    const event = buildOmiseEvent('charge.complete');
    const response = await postOmiseEvent(app, event, { secret: SECRET, path: WEBHOOK_PATH });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ received: true, id: event.id, duplicate: false });
    // Versioned paths do not exist for it: the URL registered with Omise cannot move with the API version.
    await postOmiseEvent(app, buildOmiseEvent('charge.complete'), { secret: SECRET, path: 'api/v1/webhooks/omise' }).expect(404);
  });

  it.each([
    ['a wrong signature (401)', { secret: 'b3RoZXItc2VjcmV0LW5vdC1jb25maWd1cmVk' }, 401, 'signature_mismatch'],
    ['a stale timestamp (401)', { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) - 3600 }, 401, 'timestamp_too_old'],
    ['a malformed signature header (400)', { secret: SECRET, headers: { 'Omise-Signature': 'not-hex' } }, 400, 'signature_header_malformed'],
  ])('refuses %s in the module shape, not the host filter shape', async (_name, sign, status, reason) => {
    const event = buildOmiseEvent('charge.complete');
    const response = await postOmiseEvent(app, event, { path: WEBHOOK_PATH, ...sign });
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ statusCode: status, reason, message: expect.any(String) });
    await expect(countStored(app.get(DataSource), event.id)).resolves.toBe(0);
  });

  it("answers a forged delivery before it reaches the host's guards; a signed one goes through them", async () => {
    const before = ApiKeyGuard.webhookRequests;
    const forged = await postOmiseEvent(app, buildOmiseEvent('charge.complete'), { secret: 'b3RoZXItc2VjcmV0LW5vdC1jb25maWd1cmVk', path: WEBHOOK_PATH });
    expect(forged.status).toBe(401);
    expect(ApiKeyGuard.webhookRequests).toBe(before);
    await postOmiseEvent(app, buildOmiseEvent('charge.complete'), { secret: SECRET, path: WEBHOOK_PATH }).expect(200);
    expect(ApiKeyGuard.webhookRequests).toBe(before + 1);
  });

  it('refuses an envelope the module cannot accept (400 invalid_event), which the host ValidationPipe does not touch', async () => {
    const event = buildOmiseEvent('charge.complete', { livemode: undefined });
    const response = await postOmiseEvent(app, event, { secret: SECRET, path: WEBHOOK_PATH });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, reason: 'invalid_event', details: [expect.stringContaining('livemode')] });
  });

  /*
   * The module reads the webhook route's body ahead of the host's JSON parser, so the parser's refusals
   * never reach that route, and with them not the host's catch-all filter (which would have turned
   * body-parser's 413 into a 500): invalid JSON and an over-limit body get the module's answers.
   */
  it("answers invalid JSON and an over-limit body itself, in the module shape, not the host's parser and filter", async () => {
    const invalid = await postOmiseEvent(app, '{"object": "event", "id": ', { secret: SECRET, path: WEBHOOK_PATH });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toEqual({ statusCode: 400, reason: 'invalid_json', message: expect.any(String) });

    const huge = buildOmiseEvent('charge.complete', { data: { description: 'x'.repeat(1024 * 1024) } });
    const tooLarge = await postOmiseEvent(app, huge, { secret: SECRET, path: WEBHOOK_PATH });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toEqual({ statusCode: 413, reason: 'payload_too_large', message: expect.any(String) });
    await expect(countStored(app.get(DataSource), huge.id)).resolves.toBe(0);
  });

  it("leaves the host's JSON parser in charge of its own routes", async () => {
    const invalid = await hostApi().post('/api/v1/orders').set('x-api-key', API_KEY).set('Content-Type', 'application/json').send('{"chargeId": ');
    expect(invalid.status).toBe(400);
    expect(invalid.body).toEqual({ error: { status: 400, message: expect.any(String) } });
  });

  it('still requires the API key on host routes, with the host shape', async () => {
    const refused = await hostApi().post('/api/v1/orders').send({ chargeId: 'chrg_test_x', amount: 100 });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: { status: 401, message: 'Send x-api-key.' } });
  });

  it('keeps the host ValidationPipe strict on host routes', async () => {
    const response = await hostApi().post('/api/v1/orders').set('x-api-key', API_KEY).send({ chargeId: 'chrg_test_x', amount: 1, coupon: 'FREE' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: { status: 400, message: 'Bad Request Exception' } });
  });

  it("delivers the event to the host's @OnEvent listener, which updates the host's own table", async () => {
    const created = await hostApi().post('/api/v1/orders').set('x-api-key', API_KEY).send({ chargeId: `chrg_test_${randomUUID()}`, amount: 150_000 });
    expect(created.status).toBe(201);
    const order = created.body as OrderEntity;

    const event = buildOmiseEvent('charge.complete', { data: { id: order.chargeId, amount: order.amount, metadata: { order_id: order.id } } });
    await postOmiseEvent(app, event, { secret: SECRET, path: WEBHOOK_PATH }).expect(200);
    await waitForOmiseEvents(app, event.id);

    // The whole event, fields no DTO declares included: the host's whitelisting pipe never sees it.
    expect(app.get(OrderPaidListener).received.filter((e) => e.id === event.id)).toEqual([
      { ...event, createdAt: new Date(event.created_at as string) },
    ]);

    const paid = await hostApi().get(`/api/v1/orders/${order.id}`).set('x-api-key', API_KEY).expect(200);
    expect(paid.body).toEqual({ ...order, status: 'paid', paidByEvent: event.id });
    const rows: Array<{ status: string }> = await app.get(DataSource).query('SELECT status FROM omise_webhook_events WHERE event_id = $1', [event.id]);
    expect(rows).toEqual([{ status: 'processed' }]);
  });
});

/*
 * The webhook body reader in the same host (its prefix and versioning change where the route is),
 * whatever the host's body parsing: the first configured database, SQLite by default.
 */
describe.each(testDatabases().slice(0, 1))('the webhook body in a host app on $name', (kind) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await kind.create();
  });
  afterEach(() => db.drop());

  async function deliveredWith(options: HostAppOptions): Promise<request.Response> {
    const app = await startHostApp(db, options);
    try {
      return await postOmiseEvent(app, buildOmiseEvent('charge.complete'), { secret: SECRET, path: WEBHOOK_PATH });
    } finally {
      await app.close();
    }
  }

  it('is read by the module in an app created without rawBody', async () => {
    await expect(deliveredWith({ rawBody: false })).resolves.toMatchObject({ status: 200 });
  });

  it("is read by the module ahead of the app's own express.json(), which would drop the bytes", async () => {
    await expect(deliveredWith({ expressJson: true })).resolves.toMatchObject({ status: 200 });
  });

  it('is refused 500 raw_body_unavailable when the host has middleware that deletes it before the route', async () => {
    const dropRawBody = (req: Request & { rawBody?: Buffer }, _res: Response, next: () => void) => {
      delete req.rawBody;
      next();
    };
    const response = await deliveredWith({ middleware: dropRawBody });
    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ reason: 'raw_body_unavailable' });
  });
});
