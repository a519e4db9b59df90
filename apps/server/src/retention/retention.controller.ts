import { Body, Controller, Get, Put } from '@nestjs/common';
import { RetentionRules, RetentionRulesInput, RetentionRulesSchema, StoredRetentionRulesSchema } from '@app/contracts';
import { Endpoint } from '../common/endpoint.decorator';
import { RetentionService } from './retention.service';

const tag = 'maintenance';

@Controller('api/v1/retention')
export class RetentionController {
  constructor(private readonly retention: RetentionService) {}

  @Get()
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'The retention rules (none: every version is kept)',
    responses: { 200: { description: 'Every rule', schema: StoredRetentionRulesSchema } },
  })
  async get(): Promise<RetentionRules> {
    return this.retention.get();
  }

  @Put()
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'Replace every retention rule; prune applies them',
    body: RetentionRulesSchema,
    responses: { 200: { description: 'The rules now in force', schema: StoredRetentionRulesSchema } },
  })
  async set(@Body() body: RetentionRulesInput): Promise<RetentionRules> {
    return this.retention.set(body.rules);
  }
}
