import { Body, Controller, Get, NotFoundException, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { CreateOrderDto } from './create-order.dto';
import { Order } from './order.entity';
import { OrdersService } from './orders.service';

@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  create(@Body() order: CreateOrderDto): Promise<Order> {
    return this.orders.create(order);
  }

  @Get(':id')
  async find(@Param('id', ParseUUIDPipe) id: string): Promise<Order> {
    const order = await this.orders.find(id);
    if (!order) throw new NotFoundException(`no order ${id}`);
    return order;
  }
}
