import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  BatchRequest,
  BatchRequestSchema,
  BatchResponse,
  BatchResponseSchema,
  CountResponse,
  CountResponseSchema,
  DeletedRequest,
  DeletedRequestSchema,
  FileIdParamsSchema,
  FileItemsSchema,
  FileMetadata,
  FileMetadataSchema,
  FilePageSchema,
  FileRecord,
  FileRecordSchema,
  Items,
  ListFilesQuery,
  ListFilesQuerySchema,
  normalizeSha256,
  Page,
  PathQuerySchema,
  PrefixQuerySchema,
  RecordFileResponse,
  RecordFileResponseSchema,
  SeenRequest,
  SeenRequestSchema,
  SeenResponse,
  SeenResponseSchema,
} from '@app/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Tenancy, TenantScope } from '../auth/tenant-scope';
import { BlobsService } from '../blobs/blobs.service';
import { planBlobResponse, sendBlob } from '../blobs/blob-response';
import { withDigest } from '../common/digest.decorators';
import { Endpoint } from '../common/endpoint.decorator';
import { CONTENT_RESPONSES } from '../common/responses';
import { noteAuditTargets } from '../audit/audit-targets';
import { FilesService } from './files.service';

const tag = 'files';

@Controller('api/v1/files')
export class FilesController {
  constructor(
    private readonly files: FilesService,
    private readonly blobs: BlobsService,
  ) {}

  @Post()
  @Endpoint({
    access: 'write',
    tag,
    summary: 'Record where a file lives; says whether its content must be uploaded',
    body: FileMetadataSchema,
    responses: {
      200: { description: 'Unchanged: the same digest at that path', schema: RecordFileResponseSchema },
      201: { description: 'A new version', schema: RecordFileResponseSchema },
    },
  })
  async record(
    @Body() body: FileMetadata,
    @Tenancy() scope: TenantScope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RecordFileResponse> {
    const { status, record } = await this.files.record(withDigest(body), undefined, scope);
    reply.status(status === 'created' ? 201 : 200);
    return record;
  }

  @Post('batch')
  @HttpCode(200)
  @Endpoint({
    access: 'write',
    tag,
    summary: 'Record up to 1,000 files at once',
    body: BatchRequestSchema,
    responses: { 200: { description: 'One result per file, in request order', schema: BatchResponseSchema } },
  })
  async batch(@Body() body: BatchRequest, @Tenancy() scope: TenantScope): Promise<BatchResponse> {
    return { results: await this.files.recordBatch(body.files.map(withDigest), scope) };
  }

  @Post('seen')
  @HttpCode(200)
  @Endpoint({
    access: 'write',
    tag,
    summary: 'Confirm unchanged files by record id: refreshes last_seen_at, says what to record or upload again',
    body: SeenRequestSchema,
    responses: { 200: { description: 'What was confirmed', schema: SeenResponseSchema } },
  })
  async seen(@Body() body: SeenRequest, @Tenancy() scope: TenantScope): Promise<SeenResponse> {
    return this.files.markSeen(body.hostname, body.ids, scope);
  }

  @Post('deleted')
  @HttpCode(200)
  @Endpoint({
    access: 'write',
    tag,
    summary: 'Mark paths a host no longer has as deleted',
    body: DeletedRequestSchema,
    responses: { 200: { description: 'How many records were marked deleted', schema: CountResponseSchema } },
  })
  async deleted(@Body() body: DeletedRequest, @Tenancy() scope: TenantScope): Promise<CountResponse> {
    return { deleted: await this.files.markPathsDeleted(body.hostname, body.filepaths, scope) };
  }

  @Get()
  @Endpoint({
    access: 'read',
    tag,
    summary: 'Current records (or those current at a time), filtered and paginated',
    querystring: ListFilesQuerySchema,
    responses: { 200: { description: 'A page of records', schema: FilePageSchema } },
  })
  async list(@Query() query: ListFilesQuery, @Tenancy() scope: TenantScope): Promise<Page<FileRecord>> {
    return this.files.list(
      {
        hostname: query.hostname,
        pathPrefix: query.path_prefix,
        sha256: query.sha256 === undefined ? undefined : normalizeSha256(query.sha256),
        includeDeleted: query.include_deleted,
        at: query.at === undefined ? undefined : new Date(query.at),
        limit: query.limit,
        cursor: query.cursor,
      },
      scope,
    );
  }

  @Get('history')
  @Endpoint({
    access: 'read',
    tag,
    summary: 'Every version of a path, newest first',
    querystring: PathQuerySchema,
    responses: { 200: { description: 'Every version', schema: FileItemsSchema } },
    errors: [404],
  })
  async history(@Query() query: { hostname: string; filepath: string }, @Tenancy() scope: TenantScope): Promise<Items<FileRecord>> {
    return { items: await this.files.history(query.hostname, query.filepath, scope) };
  }

  @Get('content')
  @Endpoint({
    access: 'read',
    tag,
    summary: "Download the current version's content (Range, If-Range, If-Match and If-None-Match supported)",
    querystring: PathQuerySchema,
    responses: CONTENT_RESPONSES,
    errors: [404, 410, 412, 416],
  })
  async content(
    @Query() query: { hostname: string; filepath: string },
    @Tenancy() scope: TenantScope,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const file = await this.files.current(query.hostname, query.filepath, scope);
    const blob = await this.blobs.resolve(file.sha256, scope);
    await sendBlob(reply, blob, planBlobResponse(request, blob), (range) => this.blobs.open(blob, range));
  }

  @Get(':id')
  @Endpoint({
    access: 'read',
    tag,
    summary: 'One record',
    params: FileIdParamsSchema,
    responses: { 200: { description: 'The record', schema: FileRecordSchema } },
    errors: [404],
  })
  async get(@Param('id') id: string, @Tenancy() scope: TenantScope): Promise<FileRecord> {
    return this.files.get(id, scope);
  }

  @Delete(':id')
  @HttpCode(204)
  @Endpoint({
    access: 'write',
    tag,
    summary: 'Mark one record deleted',
    params: FileIdParamsSchema,
    responses: { 204: { description: 'Marked deleted' } },
    errors: [404],
  })
  async remove(@Param('id') id: string, @Tenancy() scope: TenantScope, @Req() request: FastifyRequest): Promise<void> {
    const deleted = await this.files.delete(id, scope);
    noteAuditTargets(request, [{ hostname: deleted.hostname, filepath: deleted.filepath }, { sha256: deleted.sha256 }]);
  }

  @Delete()
  @HttpCode(200)
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'Mark every current record under a path prefix on a host deleted',
    querystring: PrefixQuerySchema,
    responses: { 200: { description: 'How many records were marked deleted', schema: CountResponseSchema } },
  })
  async removePrefix(@Query() query: { hostname: string; path_prefix: string }, @Tenancy() scope: TenantScope): Promise<CountResponse> {
    return { deleted: await this.files.deleteByPrefix(query.hostname, query.path_prefix, scope) };
  }
}
