import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import {
  CreateScanRequest,
  CreateScanRequestSchema,
  Host,
  HostListSchema,
  Items,
  ListScansQuery,
  ListScansQuerySchema,
  Page,
  ScanIdParamsSchema,
  ScanRun,
  ScanRunPageSchema,
  ScanRunSchema,
  UpdateScanRequest,
  UpdateScanRequestSchema,
} from '@app/contracts';
import type { AuthedRequest } from '../auth/access-control';
import { Tenancy, TenantScope } from '../auth/tenant-scope';
import { Endpoint } from '../common/endpoint.decorator';
import { ScansService } from './scans.service';

const tag = 'scans';

@Controller('api/v1')
export class ScansController {
  constructor(private readonly scans: ScansService) {}

  @Post('scans')
  @HttpCode(201)
  @Endpoint({
    access: 'write',
    tag,
    summary: 'Open a scan run of a host',
    body: CreateScanRequestSchema,
    responses: { 201: { description: 'The run, running', schema: ScanRunSchema } },
  })
  async open(@Req() request: AuthedRequest, @Body() body: CreateScanRequest): Promise<ScanRun> {
    return this.scans.open(request.apiKey!.id, body, new Date(), TenantScope.of(request.apiKey));
  }

  @Patch('scans/:id')
  @Endpoint({
    access: 'write',
    tag,
    summary: 'Report on a running scan run (counts, failures) or close it with its end state; only the key that opened it',
    params: ScanIdParamsSchema,
    body: UpdateScanRequestSchema,
    responses: { 200: { description: 'The run as it now is', schema: ScanRunSchema } },
    errors: [404, 409],
  })
  async report(@Req() request: AuthedRequest, @Param('id') id: string, @Body() body: UpdateScanRequest): Promise<ScanRun> {
    return this.scans.report(request.apiKey!.id, id, body);
  }

  @Get('scans')
  @Endpoint({
    access: 'read',
    tag,
    summary: 'Scan runs, newest first, filtered by hostname and state',
    querystring: ListScansQuerySchema,
    responses: { 200: { description: 'A page of scan runs', schema: ScanRunPageSchema } },
  })
  async list(@Query() query: ListScansQuery, @Tenancy() scope: TenantScope): Promise<Page<ScanRun>> {
    return this.scans.list(query, new Date(), scope);
  }

  @Get('scans/:id')
  @Endpoint({
    access: 'read',
    tag,
    summary: 'One scan run with its counts and failures',
    params: ScanIdParamsSchema,
    responses: { 200: { description: 'The run', schema: ScanRunSchema } },
    errors: [404],
  })
  async get(@Param('id') id: string, @Tenancy() scope: TenantScope): Promise<ScanRun> {
    return this.scans.get(id, new Date(), scope);
  }

  @Get('hosts')
  @Endpoint({
    access: 'read',
    tag,
    summary: 'Every host: its files, last scan run, last success and whether it is stale',
    responses: { 200: { description: 'Every host, by hostname', schema: HostListSchema } },
  })
  async hosts(@Tenancy() scope: TenantScope): Promise<Items<Host>> {
    return this.scans.hosts(new Date(), scope);
  }
}
