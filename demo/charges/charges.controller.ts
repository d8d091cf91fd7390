import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ChargesService, type ChargeView } from './charges.service';

@Controller('charges')
export class ChargesController {
  constructor(private readonly charges: ChargesService) {}

  @Get(':id')
  async findOne(@Param('id') id: string): Promise<ChargeView> {
    const charge = await this.charges.findById(id);
    if (!charge) {
      throw new NotFoundException(
        `No charge "${id}" is recorded: no webhook event about it has been processed (check the id and the webhook log).`,
      );
    }
    return charge;
  }
}
