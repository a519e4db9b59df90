import { Body, Controller, Delete, Get, Head, HttpCode, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RouteSchema } from '@nestjs/platform-fastify';
import { FileRecord, Items, LIMITS, MissingRequest, MissingResponse, PackItemResult } from '@app/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/scopes.decorator';
import { DigestParam } from '../common/digest.decorators';
import { MISSING_SCHEMA } from '../common/json-schemas';
import { rawBody } from '../common/raw-body';
import { MissingRequestDto, MissingResponseDto, PutBlobResponseDto } from './blobs.dto';
import { BlobsService } from './blobs.service';
import { planBlobResponse, sendBlob, setBlobHeaders } from './blob-response';
import { PackSlots, storePack } from './blob-pack';
import { AppConfig } from '../config/app-config';

@ApiTags('blobs')
@ApiSecurity('api-key')
@Controller('api/v1/blobs')
export class BlobsController {
  /** Pack parts being stored at once, across all requests. */
  private readonly packSlots = new PackSlots(256);

  constructor(
    private readonly blobs: BlobsService,
    private readonly config: AppConfig,
  ) {}

  @Post('missing')
  @HttpCode(200)
  @RequireScope('read')
  @ApiOperation({ summary: 'Which of these digests the store lacks' })
  @RouteSchema({ body: MISSING_SCHEMA })
  @ApiBody({ type: MissingRequestDto })
  @ApiOkResponse({ type: MissingResponseDto })
  async missing(@Body() body: MissingRequest): Promise<MissingResponse> {
    return { missing: await this.blobs.missing(body.sha256) };
  }

  @Post('pack')
  @HttpCode(200)
  @RequireScope('write')
  @ApiOperation({
    summary: `Upload up to ${LIMITS.packMax} blobs in one request`,
    description:
      'multipart/form-data, one file part per blob, each named by its digest. Every part is verified and stored ' +
      'as PUT /api/v1/blobs/{sha256} would; a part that does not match its digest or is over the size limit is ' +
      'refused in its item of the answer while the others are stored.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', additionalProperties: { type: 'string', format: 'binary' } } })
  @ApiOkResponse({
    description: 'One item per part, in order: {sha256, size, created} or {sha256, error: {code, message}}',
  })
  async pack(@Req() request: FastifyRequest): Promise<Items<PackItemResult>> {
    const items = await storePack(request, this.config.HOARD_MAX_BLOB_BYTES, this.packSlots, (sha256, body) => this.blobs.put(sha256, body));
    return { items };
  }

  @Head(':sha256')
  @RequireScope('read')
  @ApiOperation({ summary: 'Size and ETag of stored content' })
  async head(@DigestParam() sha256: string, @Res() reply: FastifyReply): Promise<void> {
    const blob = await this.blobs.resolveStored(sha256);
    setBlobHeaders(reply, blob);
    reply.header('Content-Length', String(blob.size)).status(200).send();
  }

  @Get(':sha256')
  @RequireScope('read')
  @ApiOperation({ summary: 'Download content (Range and If-None-Match supported)' })
  async get(@DigestParam() sha256: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const blob = await this.blobs.resolve(sha256);
    await sendBlob(reply, blob, planBlobResponse(request, blob), (range) => this.blobs.open(blob, range));
  }

  @Put(':sha256')
  @RequireScope('write')
  @ApiOperation({ summary: 'Upload content; stored only when the bytes hash to the digest' })
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: PutBlobResponseDto, description: '201 when stored now, 200 when already stored' })
  async put(
    @DigestParam() sha256: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PutBlobResponseDto> {
    const { stream, length } = rawBody(request);
    const result = await this.blobs.put(sha256, stream, length);
    reply.status(result.created ? 201 : 200);
    return result;
  }

  @Get(':sha256/files')
  @RequireScope('read')
  @ApiOperation({ summary: 'Every current record of this content; the epoch first' })
  async files(@DigestParam() sha256: string): Promise<Items<FileRecord>> {
    return { items: await this.blobs.clones(sha256) };
  }

  @Delete(':sha256')
  @HttpCode(204)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Take content down now: later GETs and uploads answer 410 until it is reinstated' })
  async remove(@DigestParam() sha256: string): Promise<void> {
    await this.blobs.delete(sha256);
  }

  @Post(':sha256/reinstate')
  @HttpCode(204)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Lift a takedown: the content may be uploaded again (404 when it is not taken down)' })
  async reinstate(@DigestParam() sha256: string): Promise<void> {
    await this.blobs.reinstate(sha256);
  }
}
