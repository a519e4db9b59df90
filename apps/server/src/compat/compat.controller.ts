import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CreatedKey, FileRecord, HoardError, KeyInfo, PutBlobResponse, RecordFileResponse, ROUTES } from '@app/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import '@fastify/multipart';
import { multipartFailure } from '../common/multipart-errors';
import type { Readable } from 'node:stream';
import { KeysService } from '../auth/keys.service';
import { RequireScope } from '../auth/scopes.decorator';
import { BlobsService } from '../blobs/blobs.service';
import { AppConfig } from '../config/app-config';
import { DigestParam } from '../common/digest.decorators';
import { rawBody } from '../common/raw-body';
import { validateDto } from '../common/validate-dto';
import { FileMetadataDto } from '../files/files.dto';
import { FilesService } from '../files/files.service';
import { CreateKeyDto } from '../keys/keys.dto';
import { createKey } from '../keys/keys.controller';

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
@ApiTags('putplace')
@ApiSecurity('api-key')
@Controller()
export class CompatController {
  constructor(
    private readonly files: FilesService,
    private readonly blobs: BlobsService,
    private readonly keys: KeysService,
    private readonly config: AppConfig,
  ) {}

  @Post('put_file')
  @RequireScope('write')
  @ApiOperation({ summary: 'As POST /api/v1/files; also accepts file_size, file_mode, … field names' })
  async putFile(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<RecordFileResponse> {
    const dto = await validateDto(FileMetadataDto, renameLegacyFields(body));
    const { status, record } = await this.files.record(dto, ROUTES.legacyUploadUrl);
    reply.status(status === 'created' ? 201 : 200);
    return record;
  }

  @Post('upload_file/:sha256')
  @RequireScope('write')
  @ApiOperation({ summary: 'As PUT /api/v1/blobs/{sha256}: multipart field "file", or a raw body' })
  @ApiConsumes('multipart/form-data', 'application/octet-stream')
  @ApiBody({ schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } } })
  async uploadFile(
    @DigestParam() sha256: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PutBlobResponse> {
    const { stream, length } = request.isMultipart()
      ? await multipartFile(request, this.config.HOARD_MAX_BLOB_BYTES)
      : rawBody(request);
    const result = await this.blobs.put(sha256, stream, length);
    reply.status(result.created ? 201 : 200);
    return result;
  }

  @Get('get_file/:sha256')
  @RequireScope('read')
  @ApiOperation({ summary: 'Metadata of the first record of this content' })
  async getFile(@DigestParam() sha256: string): Promise<FileRecord> {
    return this.files.epoch(sha256);
  }

  @Post('api_keys')
  @RequireScope('admin')
  @ApiOperation({ summary: 'As POST /api/v1/keys' })
  async createKey(@Body() body: CreateKeyDto): Promise<CreatedKey> {
    return createKey(this.keys, body);
  }

  @Get('api_keys')
  @RequireScope('admin')
  @ApiOperation({ summary: 'As GET /api/v1/keys' })
  async listKeys(): Promise<KeyInfo[]> {
    return this.keys.list();
  }

  @Put('api_keys/:id/revoke')
  @HttpCode(204)
  @RequireScope('admin')
  @ApiOperation({ summary: 'As DELETE /api/v1/keys/{id}' })
  async revokeKey(@Param('id') id: string): Promise<void> {
    await this.keys.revoke(id);
  }

  @Delete('api_keys/:id')
  @HttpCode(204)
  @RequireScope('admin')
  @ApiOperation({ summary: 'As DELETE /api/v1/keys/{id}' })
  async deleteKey(@Param('id') id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}

function renameLegacyFields(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const [legacy, name] of Object.entries(LEGACY_FIELDS)) {
    if (legacy in out) {
      if (!(name in out)) out[name] = out[legacy];
      delete out[legacy];
    }
  }
  return out;
}

/** The stream of the multipart field `file` (the first file part); it fails with `payload_too_large` past `maxBytes`. */
async function multipartFile(request: FastifyRequest, maxBytes: number): Promise<{ stream: Readable; length?: number }> {
  const part = await request.file().catch((error: unknown) => {
    throw multipartFailure(error);
  });
  if (!part || part.fieldname !== 'file') {
    throw new HoardError('validation_failed', 'The multipart body must carry the content in a field named "file"', {
      details: { fields: [{ field: 'file', errors: ['file is required'] }] },
    });
  }
  // The parser cuts a part at the limit and ends it quietly: the truncated bytes must not read as a mismatch.
  part.file.once('limit', () =>
    part.file.destroy(
      new HoardError('payload_too_large', `the body is larger than the limit of ${maxBytes} bytes`, { details: { maxBytes } }),
    ),
  );
  return { stream: part.file };
}
