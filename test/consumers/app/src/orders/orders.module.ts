import { Module } from '@nestjs/common';
import { PaidOrdersListener } from './paid-orders.listener.js';

@Module({ providers: [PaidOrdersListener] })
export class OrdersModule {}
