import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { BatchRequest, BatchResponse, SeenRequest, SeenResponse, CountResponse, FileRecord, Items, Page, RecordFileResponse } from '@app/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/scopes.decorator';
import { BATCH_SCHEMA, SEEN_SCHEMA } from '../common/json-schemas';
import { BlobsService } from '../blobs/blobs.service';
import { planBlobResponse, sendBlob } from '../blobs/blob-response';
import { BatchRequestDto, DeletedRequestDto, SeenRequestDto, SeenResponseDto, FileMetadataDto, ListFilesQueryDto, PathQueryDto, PrefixQueryDto } from './files.dto';
import { FilesService } from './files.service';

@ApiTags('files')
@ApiSecurity('api-key')
@Controller('api/v1/files')
export class FilesController {
  constructor(
    private readonly files: FilesService,
    private readonly blobs: BlobsService,
  ) {}

  @Post()
  @RequireScope('write')
  @ApiOperation({ summary: 'Record where a file lives; says whether its content must be uploaded' })
  @ApiCreatedResponse({ description: '201 new version, 200 unchanged' })
  async record(@Body() body: FileMetadataDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<RecordFileResponse> {
    const { status, record } = await this.files.record(body);
    reply.status(status === 'created' ? 201 : 200);
    return record;
  }

  @Post('batch')
  @HttpCode(200)
  @RequireScope('write')
  @RouteSchema({ body: BATCH_SCHEMA })
  @ApiBody({ type: BatchRequestDto })
  @ApiOperation({ summary: 'Record up to 1,000 files at once' })
  async batch(@Body() body: BatchRequest): Promise<BatchResponse> {
    return { results: await this.files.recordBatch(body.files) };
  }

  @Post('seen')
  @HttpCode(200)
  @RequireScope('write')
  @RouteSchema({ body: SEEN_SCHEMA })
  @ApiBody({ type: SeenRequestDto })
  @ApiOkResponse({ type: SeenResponseDto })
  @ApiOperation({ summary: 'Confirm unchanged files by record id: refreshes last_seen_at, says what to record or upload again' })
  async seen(@Body() body: SeenRequest): Promise<SeenResponse> {
    return this.files.markSeen(body.hostname, body.ids);
  }

  @Post('deleted')
  @HttpCode(200)
  @RequireScope('write')
  @ApiOperation({ summary: 'Mark paths a host no longer has as deleted' })
  async deleted(@Body() body: DeletedRequestDto): Promise<CountResponse> {
    return { deleted: await this.files.markPathsDeleted(body.hostname, body.filepaths) };
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: 'Current records (or those current at a time), filtered and paginated' })
  async list(@Query() query: ListFilesQueryDto): Promise<Page<FileRecord>> {
    return this.files.list({
      hostname: query.hostname,
      pathPrefix: query.path_prefix,
      sha256: query.sha256,
      includeDeleted: query.include_deleted,
      at: query.at === undefined ? undefined : new Date(query.at),
      limit: query.limit,
      cursor: query.cursor,
    });
  }

  @Get('history')
  @RequireScope('read')
  @ApiOperation({ summary: 'Every version of a path, newest first' })
  async history(@Query() query: PathQueryDto): Promise<Items<FileRecord>> {
    return { items: await this.files.history(query.hostname, query.filepath) };
  }

  @Get('content')
  @RequireScope('read')
  @ApiOperation({ summary: "Download the current version's content (Range supported)" })
  async content(@Query() query: PathQueryDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const file = await this.files.current(query.hostname, query.filepath);
    const blob = await this.blobs.resolve(file.sha256);
    await sendBlob(reply, blob, planBlobResponse(request, blob), (range) => this.blobs.open(blob, range));
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({ summary: 'One record' })
  async get(@Param('id') id: string): Promise<FileRecord> {
    return this.files.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('write')
  @ApiOperation({ summary: 'Mark one record deleted' })
  async remove(@Param('id') id: string): Promise<void> {
    await this.files.delete(id);
  }

  @Delete()
  @HttpCode(200)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Mark every current record under a path prefix on a host deleted' })
  async removePrefix(@Query() query: PrefixQueryDto): Promise<CountResponse> {
    return { deleted: await this.files.deleteByPrefix(query.hostname, query.path_prefix) };
  }
}
