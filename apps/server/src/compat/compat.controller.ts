import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import {
  CompatCreatedKey,
  CompatCreatedKeySchema,
  CompatCreateKeyRequest,
  CompatCreateKeyRequestSchema,
  DigestParamsSchema,
  FileMetadata,
  FileMetadataSchema,
  KeyIdParamsSchema,
  KeyInfo,
  KeyListSchema,
  PutBlobResponse,
  PutFileResponse,
  PutFileResponseSchema,
  PutPlaceFileRecord,
  PutPlaceFileRecordSchema,
  ROUTES,
  type Sha256,
  UploadFileQuerySchema,
} from '@app/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KeysService } from '../auth/keys.service';
import { Tenancy, TenantScope } from '../auth/tenant-scope';
import { BlobsService } from '../blobs/blobs.service';
import { DigestParam, withDigest } from '../common/digest.decorators';
import { Endpoint } from '../common/endpoint.decorator';
import { clientGone, rawBody } from '../common/raw-body';
import { RAW_CONTENT, UPLOAD_RESPONSES } from '../common/responses';
import { ServerSettings } from '../config/server-settings';
import { FilesService } from '../files/files.service';
import { multipartFile } from './multipart-file';
import { withPutPlaceFields, withPutPlaceKeyFields } from './putplace-fields';

const tag = 'putplace';

/** PutPlace's field names, accepted beside the API's own. */
const LEGACY_FIELDS: Record<string, string> = {
  file_size: 'size',
  file_mode: 'mode',
  file_uid: 'uid',
  file_gid: 'gid',
  file_mtime: 'mtime',
  file_atime: 'atime',
  file_ctime: 'ctime',
};

/** The routes of the PutPlace architecture document, on top of the same services as /api/v1. */
@Controller()
export class CompatController {
  constructor(
    private readonly files: FilesService,
    private readonly blobs: BlobsService,
    private readonly keys: KeysService,
    private readonly settings: ServerSettings,
  ) {}

  @Post('put_file')
  @Endpoint({
    access: 'write',
    tag,
    summary: 'As POST /api/v1/files; also accepts file_size, file_mode, file_uid, file_gid, file_mtime, file_atime, file_ctime',
    description: "The answer carries PutPlace's field names too: _id, file_size, file_mode, …, is_symlink, has_file_content.",
    body: FileMetadataSchema,
    bodyAliases: LEGACY_FIELDS,
    responses: {
      200: { description: 'Unchanged', schema: PutFileResponseSchema },
      201: { description: 'A new version', schema: PutFileResponseSchema },
    },
  })
  async putFile(
    @Body() body: FileMetadata,
    @Tenancy() scope: TenantScope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PutFileResponse> {
    const { status, record } = await this.files.record(withDigest(body), ROUTES.legacyUploadUrl, scope);
    reply.status(status === 'created' ? 201 : 200);
    return withPutPlaceFields(record);
  }

  @Post('upload_file/:sha256')
  @Endpoint({
    access: 'write',
    tag,
    summary: 'As PUT /api/v1/blobs/{sha256}: multipart field "file", or a raw body',
    description: "hostname and filepath, which PutPlace's client sends in the query, are accepted and not needed.",
    params: DigestParamsSchema,
    querystring: UploadFileQuerySchema,
    upload: {
      kind: 'multipart',
      content: {
        'multipart/form-data': {
          schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } },
        },
        ...RAW_CONTENT,
      },
    },
    responses: UPLOAD_RESPONSES,
    errors: [410, 422],
  })
  async uploadFile(
    @DigestParam() sha256: Sha256,
    @Tenancy() scope: TenantScope,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PutBlobResponse> {
    const { stream, length } = request.isMultipart() ? await multipartFile(request, this.settings.maxBlobBytes) : rawBody(request);
    const result = await this.blobs.put(sha256, stream, length, clientGone(request), scope);
    reply.status(result.created ? 201 : 200);
    return result;
  }

  @Get('get_file/:sha256')
  @Endpoint({
    access: 'read',
    tag,
    summary: "Metadata of the first record of this content, with PutPlace's field names too",
    params: DigestParamsSchema,
    responses: { 200: { description: 'The epoch record', schema: PutPlaceFileRecordSchema } },
    errors: [404],
  })
  async getFile(@DigestParam() sha256: Sha256, @Tenancy() scope: TenantScope): Promise<PutPlaceFileRecord> {
    return withPutPlaceFields(await this.files.epoch(sha256, scope));
  }

  @Post('api_keys')
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'As POST /api/v1/keys; without scopes, a write key. The secret is also in api_key, the id in _id',
    body: CompatCreateKeyRequestSchema,
    responses: { 201: { description: 'The new key with its secret', schema: CompatCreatedKeySchema } },
  })
  async createKey(@Body() body: CompatCreateKeyRequest): Promise<CompatCreatedKey> {
    const scopes = body.scopes ?? ['write'];
    return withPutPlaceKeyFields(await this.keys.create({ name: body.name, scopes, expiresAt: body.expires_at }));
  }

  @Get('api_keys')
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'As GET /api/v1/keys',
    responses: { 200: { description: 'Every key', schema: KeyListSchema } },
  })
  async listKeys(): Promise<KeyInfo[]> {
    return this.keys.list();
  }

  @Put('api_keys/:id/revoke')
  @HttpCode(204)
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'As DELETE /api/v1/keys/{id}',
    params: KeyIdParamsSchema,
    responses: { 204: { description: 'Revoked' } },
    errors: [404],
  })
  async revokeKey(@Param('id') id: string): Promise<void> {
    await this.keys.revoke(id);
  }

  @Delete('api_keys/:id')
  @HttpCode(204)
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'As DELETE /api/v1/keys/{id}',
    params: KeyIdParamsSchema,
    responses: { 204: { description: 'Revoked' } },
    errors: [404],
  })
  async deleteKey(@Param('id') id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}
