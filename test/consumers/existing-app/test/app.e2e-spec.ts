import { INestApplication } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import request from 'supertest';
import { App } from 'supertest/types';
import { AppModule } from './../src/app.module';

// The app's own e2e test: its API key, its strict validation and its orders table.
describe('Orders API (e2e)', () => {
  let app: INestApplication<App>;
  const key = { 'x-api-key': process.env.API_KEY ?? '' };

  beforeAll(async () => {
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleFixture.createNestApplication();
    await app.init();
  });

  afterAll(async () => {
    await app.close();
  });

  it('wants the API key', async () => {
    await request(app.getHttpServer()).get('/').expect(403);
    await request(app.getHttpServer()).get('/').set(key).expect(200).expect('Hello World!');
  });

  it('refuses fields the DTO does not declare', async () => {
    const response = await request(app.getHttpServer())
      .post('/orders')
      .set(key)
      .send({ item: 'tea', amount: 120, discount: 100 })
      .expect(400);
    expect(response.body).toMatchObject({ message: ['property discount should not exist'] });
  });

  it('stores an order and reads it back', async () => {
    const created = await request(app.getHttpServer())
      .post('/orders')
      .set(key)
      .send({ item: 'tea', amount: 120 })
      .expect(201);
    const order = created.body as { id: string };
    await request(app.getHttpServer())
      .get(`/orders/${order.id}`)
      .set(key)
      .expect(200)
      .expect((response) => expect(response.body).toMatchObject({ item: 'tea', amount: 120, status: 'pending' }));
  });
});
