import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import {
  AuditEntrySchema,
  AuditPageSchema,
  AuditVerification,
  AuditVerifySchema,
  ListAuditQuery,
  ListAuditQuerySchema,
} from '@app/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Endpoint } from '../common/endpoint.decorator';
import { AuditService } from './audit.service';
import { AuditView, NDJSON } from './audit-view';

const tag = 'audit';

/** `/api/v1/audit`: the audit log, for admins: read and exported, never changed. */
@Controller('api/v1/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly view: AuditView,
  ) {}

  @Get()
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'Audit entries, newest first, filtered; with Accept: application/x-ndjson every match, one entry a line',
    description:
      'Filters: since (inclusive), until (exclusive), key_id, action, sha256, hostname, bucket; each narrows. A page ' +
      'of JSON by default; with Accept: application/x-ndjson, every entry that matches is streamed (limit and cursor ' +
      'do not apply).',
    querystring: ListAuditQuerySchema,
    responses: {
      200: {
        description: 'A page of entries, or every entry as NDJSON',
        content: { 'application/json': { schema: AuditPageSchema }, [NDJSON]: { schema: AuditEntrySchema } },
      },
    },
  })
  async list(@Query() query: ListAuditQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const accept = request.headers.accept ?? '';
    if (accept.includes(NDJSON)) {
      const lines = this.view.lines(this.view.filterOf(query));
      await reply.type(NDJSON).send(lines);
      return;
    }
    await reply.type('application/json').send(await this.view.page(query));
  }

  @Get('verify')
  @Endpoint({
    access: 'admin',
    tag,
    summary: "Walk every writer's hash chain: whether any entry was changed, removed or reordered",
    responses: { 200: { description: 'Entries walked, whether every chain is whole, and the first break', schema: AuditVerifySchema } },
  })
  async verify(): Promise<AuditVerification> {
    return this.audit.verify();
  }
}
