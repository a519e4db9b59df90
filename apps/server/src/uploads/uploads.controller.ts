import { Controller, Delete, Head, Options, Param, Patch, Post, Req, Res } from '@nestjs/common';
import { TUS_CONTENT_TYPE, TUS_EXTENSIONS, TUS_VERSION, UploadIdParamsSchema } from '@app/contracts';
import type { FastifyReply } from 'fastify';
import type { AuthedRequest } from '../auth/access-control';
import { Endpoint, ResponseDoc } from '../common/endpoint.decorator';
import { TusExchange, UploadsService } from './uploads.service';

const tag = 'uploads';

const header = (description: string, schema: object = { type: 'string' }) => ({ ...schema, description });
const count = (description: string) => header(description, { type: 'integer', minimum: 0 });
const resumable = { 'Tus-Resumable': header(`The tus version of the answer: ${TUS_VERSION}`) };
const expires = { 'Upload-Expires': header('When the unfinished upload expires (an HTTP date)') };
const offset = { 'Upload-Offset': count('Bytes of the upload the server holds') };
/** What the upload became, on the answer that stored it. */
const stored = {
  'X-Hoard-Sha256': header('Once the last byte is in and stored: the digest of the content'),
  'X-Hoard-Version': header('Once the last byte is in and stored as an object: its version'),
};

const PROTOCOL =
  `tus ${TUS_VERSION} (https://tus.io/protocols/resumable-upload), extensions ${TUS_EXTENSIONS.join(', ')}; every request but ` +
  'OPTIONS carries `Tus-Resumable: 1.0.0` (`412` otherwise). ';

/** The answers of `OPTIONS`: what the server speaks. */
const DISCOVERY: Record<number, ResponseDoc> = {
  204: {
    description: 'The protocol versions, extensions and largest upload the server accepts',
    headers: {
      ...resumable,
      'Tus-Version': header('Protocol versions spoken'),
      'Tus-Extension': header('Extensions offered'),
      'Tus-Max-Size': count('Largest upload accepted, in bytes'),
    },
  },
};

const BODY = { [TUS_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } } };
/** A creation may carry the first bytes or none; a PATCH may carry none (the last, when every byte is in). */
const TUS_BODY = { kind: 'raw' as const, content: BODY, optional: true };

/** One tus request of this route, for the service: its key as checked before the body, and its response. */
function exchange(request: AuthedRequest, reply: FastifyReply, id: string | null): TusExchange {
  // tus answers carry the protocol version, errors answered before the tus server included.
  reply.header('Tus-Resumable', TUS_VERSION);
  const hijack = () => {
    // The headers every answer carries (X-Request-Id, Tus-Resumable) go with the response handed over.
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
    reply.hijack();
  };
  return { req: request.raw, res: reply.raw, key: request.apiKey, id, hijack };
}

/** `/api/v1/uploads`: resumable uploads over tus 1.0, handed to the tus server with their bodies unread. */
@Controller('api/v1/uploads')
export class UploadsController {
  constructor(private readonly uploads: UploadsService) {}

  @Options()
  @Endpoint({ access: 'public', tag, summary: 'What the resumable uploads speak (tus discovery)', responses: DISCOVERY })
  async discover(@Req() request: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.uploads.handle(exchange(request, reply, null));
  }

  @Post()
  @Endpoint({
    access: 'write',
    tag,
    summary: 'Create a resumable upload (tus creation, creation-with-upload)',
    description:
      PROTOCOL +
      '`Upload-Length` (required, at most the largest blob) and `Upload-Metadata` naming the target: `sha256` (the digest ' +
      'the content must hash to), or `bucket` and `key` (the next version of an object; its options as further pairs: ' +
      '`sha256`, `content_type` (else `filetype`), `ttl_seconds`, `expires_at`, `delete_after_download`, `meta-<name>`). ' +
      'A body of type application/offset+octet-stream holds the first bytes. When the last byte is in, the content is ' +
      'verified and stored before the answer (`422 digest_mismatch` discards the upload).',
    upload: TUS_BODY,
    responses: {
      201: {
        description: 'Created; Location is the upload, Upload-Offset what the body carried',
        headers: { ...resumable, Location: header('The upload'), ...offset, ...expires, ...stored },
      },
    },
    errors: [410, 412, 422],
  })
  async create(@Req() request: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.uploads.handle(exchange(request, reply, null));
  }

  @Options(':id')
  @Endpoint({
    access: 'public',
    tag,
    summary: 'What the resumable uploads speak (tus discovery)',
    params: UploadIdParamsSchema,
    responses: DISCOVERY,
  })
  async discoverUpload(@Req() request: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.uploads.handle(exchange(request, reply, null));
  }

  @Head(':id')
  @Endpoint({
    access: 'write',
    tag,
    summary: 'The offset of a resumable upload: where to continue',
    description: PROTOCOL + 'An upload is only ever visible to the key that created it.',
    params: UploadIdParamsSchema,
    responses: {
      200: {
        description: 'The upload: its offset and length (Cache-Control: no-store)',
        headers: {
          ...resumable,
          ...offset,
          'Upload-Length': count('The length of the upload'),
          'Upload-Metadata': header('As created'),
          ...stored,
        },
      },
    },
    errors: [404, 410, 412],
  })
  async head(@Param('id') id: string, @Req() request: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.uploads.handle(exchange(request, reply, id));
  }

  @Patch(':id')
  @Endpoint({
    access: 'write',
    tag,
    summary: 'Send bytes of a resumable upload from its offset',
    description:
      PROTOCOL +
      '`Content-Type: application/offset+octet-stream` (`415` otherwise) and `Upload-Offset` equal to the offset the ' +
      'server holds (`409` otherwise). The request that brings the last byte is answered once the content is verified ' +
      'and stored (`422 digest_mismatch` discards the upload).',
    params: UploadIdParamsSchema,
    upload: TUS_BODY,
    responses: {
      204: { description: 'Bytes stored; Upload-Offset is the new offset', headers: { ...resumable, ...offset, ...expires, ...stored } },
    },
    errors: [404, 409, 410, 412, 415, 422],
  })
  async patch(@Param('id') id: string, @Req() request: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.uploads.handle(exchange(request, reply, id));
  }

  @Delete(':id')
  @Endpoint({
    access: 'write',
    tag,
    summary: 'Terminate a resumable upload: its bytes are removed',
    description: PROTOCOL,
    params: UploadIdParamsSchema,
    responses: { 204: { description: 'Terminated', headers: resumable } },
    errors: [404, 410, 412],
  })
  async terminate(@Param('id') id: string, @Req() request: AuthedRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.uploads.handle(exchange(request, reply, id));
  }
}
