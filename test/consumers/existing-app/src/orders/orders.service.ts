import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CreateOrderDto } from './create-order.dto';
import { Order } from './order.entity';

@Injectable()
export class OrdersService {
  constructor(@InjectRepository(Order) private readonly orders: Repository<Order>) {}

  create(order: CreateOrderDto): Promise<Order> {
    return this.orders.save(this.orders.create(order));
  }

  find(id: string): Promise<Order | null> {
    return this.orders.findOneBy({ id });
  }
}
