import { type CallHandler, Controller, type ExecutionContext, Get, Injectable, type INestApplication, type NestInterceptor } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Observable } from 'rxjs';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { OMISE_WEBHOOK_MIGRATIONS, WebhooksModule } from 'omise-nest-webhooks';
import { buildOmiseEvent, postOmiseEvent, waitForOmiseEvents } from 'omise-nest-webhooks/testing';
import { describeOnDatabases } from './support/test-databases';
import { countStored, EmittedEvents, SECOND_SECRET, SECRET, useTestDatabase } from './support/webhooks-test-app';

/** The host's own interceptor on every route: with `route: 'direct'` it never sees a webhook. */
@Injectable()
class CountingInterceptor implements NestInterceptor {
  static paths: string[] = [];

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    CountingInterceptor.paths.push(context.switchToHttp().getRequest<{ url: string }>().url);
    return next.handle();
  }
}

@Controller('hello')
class HelloController {
  @Get()
  hello(): string {
    return 'hello';
  }
}

describeOnDatabases(['sqlite', 'postgres'], "route: 'direct' on $name", (kind) => {
  const database = useTestDatabase(kind);
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ ...database.db.options, autoLoadEntities: true, migrations: [...OMISE_WEBHOOK_MIGRATIONS], migrationsRun: true }),
        EventEmitterModule.forRoot({ wildcard: true }),
        WebhooksModule.forRoot({ secrets: SECRET, accounts: [{ name: 'th', secrets: SECOND_SECRET }], route: 'direct' }),
      ],
      controllers: [HelloController],
      providers: [EmittedEvents, { provide: APP_INTERCEPTOR, useClass: CountingInterceptor }],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.setGlobalPrefix('api');
    await app.init();
  });
  afterAll(() => app?.close());

  it("answers the route below the host's global prefix before Express and Nest: the host's interceptor never sees it", async () => {
    CountingInterceptor.paths = [];
    const event = buildOmiseEvent('charge.complete');
    await postOmiseEvent(app, event, { secret: SECRET, path: 'api/webhooks/omise' }).expect(200, { received: true, id: event.id, duplicate: false });
    await postOmiseEvent(app, event, { secret: SECRET, path: 'api/webhooks/omise' }).expect(200, { received: true, id: event.id, duplicate: true });
    await waitForOmiseEvents(app, event.id);
    expect(app.get(EmittedEvents).ofId(event.id)).toHaveLength(1);
    await request(app.getHttpServer()).get('/api/hello').expect(200, 'hello');
    expect(CountingInterceptor.paths).toEqual(['/api/hello']);
  });

  it("serves an account's endpoint with its own secret, and refuses as Nest's route does", async () => {
    const event = buildOmiseEvent('charge.complete');
    await postOmiseEvent(app, event, { secret: SECOND_SECRET, path: 'api/webhooks/omise/th' }).expect(200);
    const crossed = await postOmiseEvent(app, buildOmiseEvent('charge.complete'), { secret: SECRET, path: 'api/webhooks/omise/th' }).expect(401);
    expect(crossed.body).toMatchObject({ reason: 'signature_mismatch' });
    const unknown = await postOmiseEvent(app, buildOmiseEvent('charge.complete'), { secret: SECRET, path: 'api/webhooks/omise/my' }).expect(404);
    expect(unknown.body).toMatchObject({ reason: 'unknown_account' });
    await expect(countStored(app.get(DataSource), event.id)).resolves.toBe(1);
  });

  it('leaves every other request to the host: another method on the path, and paths beside it', async () => {
    CountingInterceptor.paths = [];
    await request(app.getHttpServer()).get('/api/webhooks/omise').expect(404);
    await request(app.getHttpServer()).post('/api/webhooks/omise/th/extra').expect(404);
    await request(app.getHttpServer()).post('/api/webhooks/omisex').expect(404);
    expect(CountingInterceptor.paths).toEqual([]);
  });
});
