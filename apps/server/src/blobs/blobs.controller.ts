import { Body, Controller, Delete, Get, Head, HttpCode, Post, Put, Req, Res } from '@nestjs/common';
import {
  BlobQuerySchema,
  Clones,
  ClonesSchema,
  DigestParamsSchema,
  Items,
  LIMITS,
  MissingRequest,
  MissingRequestSchema,
  MissingResponse,
  MissingResponseSchema,
  normalizeSha256,
  PackItemResult,
  PackResponseSchema,
  PutBlobResponse,
  type Sha256,
} from '@app/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Tenancy, TenantScope } from '../auth/tenant-scope';
import { DigestParam } from '../common/digest.decorators';
import { Endpoint } from '../common/endpoint.decorator';
import { clientGone, rawBody } from '../common/raw-body';
import { CONTENT_RESPONSES, RAW_CONTENT, UPLOAD_RESPONSES } from '../common/responses';
import { ServerSettings } from '../config/server-settings';
import { readPack } from './blob-pack';
import { planBlobResponse, sendBlob, setBlobHeaders } from './blob-response';
import { BlobsService } from './blobs.service';
import { PackUploadService } from './pack-upload.service';

const tag = 'blobs';

@Controller('api/v1/blobs')
export class BlobsController {
  constructor(
    private readonly blobs: BlobsService,
    private readonly packs: PackUploadService,
    private readonly settings: ServerSettings,
  ) {}

  @Post('missing')
  @HttpCode(200)
  @Endpoint({
    access: 'read',
    tag,
    summary: 'Which of these digests the store lacks',
    body: MissingRequestSchema,
    responses: { 200: { description: 'The digests the store lacks, in request order, each once', schema: MissingResponseSchema } },
  })
  async missing(@Body() body: MissingRequest, @Tenancy() scope: TenantScope): Promise<MissingResponse> {
    return {
      missing: await this.blobs.missing(
        body.sha256.map((d) => normalizeSha256(d)),
        scope,
      ),
    };
  }

  @Post('pack')
  @HttpCode(200)
  @Endpoint({
    access: 'write',
    tag,
    summary: `Upload up to ${LIMITS.packMax} blobs in one request`,
    description:
      'multipart/form-data, one file part per blob, each named by its digest. Every part is verified and stored ' +
      'as PUT /api/v1/blobs/{sha256} would; a part that does not match its digest, is over the size limit, has no ' +
      `file name or comes after the ${LIMITS.packMax}th is refused in its item of the answer while the others are stored.`,
    upload: {
      kind: 'multipart',
      content: { 'multipart/form-data': { schema: { type: 'object', additionalProperties: { type: 'string', format: 'binary' } } } },
    },
    responses: { 200: { description: 'One item per part, in part order', schema: PackResponseSchema } },
  })
  async pack(@Req() request: FastifyRequest, @Tenancy() scope: TenantScope): Promise<Items<PackItemResult>> {
    return { items: await this.packs.store(readPack(request, this.settings.maxBlobBytes), clientGone(request), scope) };
  }

  @Head(':sha256')
  @Endpoint({
    access: 'read',
    tag,
    summary: 'Size and ETag of stored content',
    params: DigestParamsSchema,
    responses: { 200: { description: 'Stored', headers: { ETag: { type: 'string' }, 'Content-Length': { type: 'integer', minimum: 0 } } } },
    errors: [404, 410],
  })
  async head(@DigestParam() sha256: Sha256, @Tenancy() scope: TenantScope, @Res() reply: FastifyReply): Promise<void> {
    const blob = await this.blobs.resolveStored(sha256, scope);
    setBlobHeaders(reply, blob);
    reply.header('Content-Length', String(blob.size)).status(200).send();
  }

  @Get(':sha256')
  @Endpoint({
    access: 'read',
    tag,
    summary: 'Download content (Range, If-Range, If-Match and If-None-Match supported)',
    description: 'A link without headers (a browser download) may name a token from POST /api/login as ?access_token=.',
    params: DigestParamsSchema,
    querystring: BlobQuerySchema,
    tokenInQuery: true,
    responses: CONTENT_RESPONSES,
    errors: [404, 410, 412, 416],
  })
  async get(
    @DigestParam() sha256: Sha256,
    @Tenancy() scope: TenantScope,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const blob = await this.blobs.resolve(sha256, scope);
    await sendBlob(reply, blob, planBlobResponse(request, blob), (range) => this.blobs.open(blob, range));
  }

  @Put(':sha256')
  @Endpoint({
    access: 'write',
    tag,
    summary: 'Upload content; stored only when the bytes hash to the digest',
    description: 'The body is the raw content, with any Content-Type (content is bytes), with or without Content-Length.',
    params: DigestParamsSchema,
    upload: { kind: 'raw', content: RAW_CONTENT },
    responses: UPLOAD_RESPONSES,
    errors: [410, 422],
  })
  async put(
    @DigestParam() sha256: Sha256,
    @Tenancy() scope: TenantScope,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PutBlobResponse> {
    const { stream, length } = rawBody(request);
    const result = await this.blobs.put(sha256, stream, length, clientGone(request), scope);
    reply.status(result.created ? 201 : 200);
    return result;
  }

  @Get(':sha256/files')
  @Endpoint({
    access: 'read',
    tag,
    summary: 'Every current record of this content (the epoch first) and every object that names it',
    params: DigestParamsSchema,
    responses: { 200: { description: "Hosts' records (items) and objects that name the content", schema: ClonesSchema } },
    errors: [404, 410],
  })
  async files(@DigestParam() sha256: Sha256, @Tenancy() scope: TenantScope): Promise<Clones> {
    return this.blobs.clones(sha256, scope);
  }

  @Delete(':sha256')
  @HttpCode(204)
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'Take content down now: later GETs and uploads answer 410 until it is reinstated',
    params: DigestParamsSchema,
    responses: { 204: { description: 'Taken down' } },
    errors: [404],
  })
  async remove(@DigestParam() sha256: Sha256): Promise<void> {
    await this.blobs.delete(sha256);
  }

  @Post(':sha256/reinstate')
  @HttpCode(204)
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'Lift a takedown: the content may be uploaded again (404 when it is not taken down)',
    params: DigestParamsSchema,
    responses: { 204: { description: 'Reinstated' } },
    errors: [404],
  })
  async reinstate(@DigestParam() sha256: Sha256): Promise<void> {
    await this.blobs.reinstate(sha256);
  }
}
