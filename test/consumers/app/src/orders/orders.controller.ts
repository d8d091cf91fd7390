import { Controller, Get } from '@nestjs/common';
import { PaidOrdersListener } from './paid-orders.listener.js';

/** One of the host's own routes, behind its API key. */
@Controller('orders')
export class OrdersController {
  constructor(private readonly listener: PaidOrdersListener) {}

  @Get('paid')
  paid(): string[] {
    return this.listener.paid;
  }
}
