import { Module } from '@nestjs/common';
import { OrdersController } from './orders.controller.js';
import { PaidOrdersListener } from './paid-orders.listener.js';

@Module({ controllers: [OrdersController], providers: [PaidOrdersListener] })
export class OrdersModule {}
