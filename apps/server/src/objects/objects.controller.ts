import { Controller, Delete, Get, Head, HttpCode, Logger, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import {
  BucketParamsSchema,
  CountResponse,
  CountResponseSchema,
  DeleteObjectsQuerySchema,
  ListObjectsQuerySchema,
  ObjectInfo,
  ObjectInfoSchema,
  ObjectPageSchema,
  ObjectParamsSchema,
  ObjectQuerySchema,
  Page,
} from '@app/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Tenancy, TenantScope } from '../auth/tenant-scope';
import { Endpoint } from '../common/endpoint.decorator';
import { clientGone, rawBody } from '../common/raw-body';
import { ServerSettings } from '../config/server-settings';
import { readObjectForm } from './object-form';
import { optionsFromFields, optionsFromHeaders } from './object-options';
import { sendObject, sendObjectHead } from './object-response';
import { ObjectsService } from './objects.service';

const tag = 'objects';
const binary = { schema: { type: 'string', format: 'binary' } };

/** The headers of an object's answer, as documented. */
const OBJECT_HEADERS = {
  ETag: { type: 'string', description: 'The digest of the content, quoted' },
  'Last-Modified': { type: 'string', description: 'When this version was written' },
  'X-Hoard-Version': { type: 'integer', minimum: 1 },
  'X-Hoard-Sha256': { type: 'string', pattern: '^[0-9a-f]{64}$' },
  'X-Hoard-Expires-At': { type: 'string', format: 'date-time', description: 'When it stops being served (absent: never)' },
};

const PUT_OPTIONS =
  'Optional headers: X-Hoard-Sha256 (the digest the content must have: 422 and nothing stored otherwise), ' +
  'X-Hoard-Expires-At (ISO time) or X-Hoard-Ttl-Seconds, X-Hoard-Delete-After-Download: true (deleted by its first ' +
  'complete GET), X-Hoard-Meta-<name> (user metadata, at most 2 KiB in all). Every write makes a new version.';

/** The error statuses of a route that reads an object: bad names, never existed, deleted or expired. */
const READ_ERRORS = [404, 410];

/** The routes of content by name (`/api/v1/objects`): thin translations to {@link ObjectsService}. */
@Controller('api/v1/objects')
export class ObjectsController {
  private readonly logger = new Logger('Objects');

  constructor(
    private readonly objects: ObjectsService,
    private readonly settings: ServerSettings,
  ) {}

  @Put(':bucket/*')
  @HttpCode(201)
  @Endpoint({
    access: 'write',
    tag,
    summary: 'Store content under a name: the next version of {bucket}/{key}',
    description: `The body is the content, streamed, with any Content-Type (kept and served back). ${PUT_OPTIONS}`,
    params: ObjectParamsSchema,
    // An empty body is empty content, a valid object: the body is optional.
    upload: { kind: 'raw', content: { 'application/octet-stream': binary }, optional: true },
    responses: { 201: { description: 'The new version', schema: ObjectInfoSchema } },
    errors: [410, 422],
  })
  async put(
    @Param('bucket') bucket: string,
    @Param('*') key: string,
    @Tenancy() scope: TenantScope,
    @Req() request: FastifyRequest,
  ): Promise<ObjectInfo> {
    const { stream, length } = rawBody(request);
    const options = { ...optionsFromHeaders(request.headers), contentLength: length, clientGone: clientGone(request) };
    return this.objects.put(bucket, keyOf(key), stream, options, scope);
  }

  @Post(':bucket')
  @HttpCode(201)
  @Endpoint({
    access: 'write',
    tag,
    summary: 'Store content under a name, from a form',
    description:
      'multipart/form-data: the field "key" (or the header X-Hoard-Key), the options as fields named as their headers ' +
      '(X-Hoard-Ttl-Seconds, or ttl_seconds; meta-<name> for user metadata; content_type), then one file part with ' +
      `the content. Fields must come before the file part (fields after it are never read), each at most once in any of its ` +
      `spellings. As PUT /api/v1/objects/{bucket}/{key} otherwise. ${PUT_OPTIONS}`,
    params: BucketParamsSchema,
    upload: {
      kind: 'multipart',
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['key', 'file'],
            properties: { key: { type: 'string', minLength: 1, maxLength: 1024 }, file: { type: 'string', format: 'binary' } },
            // The key comes before the file: fields after the file part could only be read once the content is stored.
            'x-field-order': ['key', 'file'],
          },
        },
      },
    },
    responses: { 201: { description: 'The new version', schema: ObjectInfoSchema } },
    errors: [410, 422],
  })
  async postForm(@Param('bucket') bucket: string, @Tenancy() scope: TenantScope, @Req() request: FastifyRequest): Promise<ObjectInfo> {
    // Refused before the form is read: a bucket outside the key's tenants.
    scope.checkWrite('bucket', bucket);
    const fromHeaders = optionsFromHeaders(request.headers, false);
    const form = await readObjectForm(request, this.settings.maxBlobBytes);
    const { key, options } = optionsFromFields(form.fields, { ...fromHeaders, contentType: form.mimetype ?? fromHeaders.contentType });
    const headerKey = request.headers['x-hoard-key'];
    const named = key ?? (typeof headerKey === 'string' ? Buffer.from(headerKey, 'latin1').toString('utf8') : '');
    return this.objects.put(bucket, named, form.file, { ...options, clientGone: clientGone(request) }, scope);
  }

  @Get(':bucket')
  @Endpoint({
    access: 'read',
    tag,
    summary: "A bucket's current objects by key prefix, a page at a time; or every version of one key",
    description:
      'prefix is a plain string prefix ("a/b" matches "a/b/c" and "a/bc"). Deleted and expired objects are left out. ' +
      'key=k lists that object only; key=k&versions=true every version of it, newest first, deleted ones included.',
    params: BucketParamsSchema,
    querystring: ListObjectsQuerySchema,
    responses: { 200: { description: 'A page of objects', schema: ObjectPageSchema } },
  })
  async list(
    @Param('bucket') bucket: string,
    @Query() query: { prefix?: string; key?: string; versions?: boolean; limit?: number; cursor?: string },
    @Tenancy() scope: TenantScope,
  ): Promise<Page<ObjectInfo>> {
    return this.objects.list(bucket, query, scope);
  }

  @Delete(':bucket')
  @HttpCode(200)
  @Endpoint({
    access: 'admin',
    tag,
    summary: 'Delete every current object whose key starts with a (non-empty) prefix',
    params: BucketParamsSchema,
    querystring: DeleteObjectsQuerySchema,
    responses: { 200: { description: 'How many objects were deleted', schema: CountResponseSchema } },
  })
  async removePrefix(
    @Param('bucket') bucket: string,
    @Query() query: { prefix: string },
    @Tenancy() scope: TenantScope,
  ): Promise<CountResponse> {
    return { deleted: await this.objects.deleteByPrefix(bucket, query.prefix, scope) };
  }

  @Head(':bucket/*')
  @Endpoint({
    access: 'read',
    tag,
    summary: "An object's headers, without its content",
    params: ObjectParamsSchema,
    querystring: ObjectQuerySchema,
    responses: {
      200: { description: 'It can be downloaded', headers: { ...OBJECT_HEADERS, 'Content-Length': { type: 'integer', minimum: 0 } } },
    },
    errors: READ_ERRORS,
  })
  async head(
    @Param('bucket') bucket: string,
    @Param('*') key: string,
    @Query() query: { version?: number },
    @Tenancy() scope: TenantScope,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendObjectHead(reply, await this.objects.head(bucket, keyOf(key), query.version, scope));
  }

  @Get(':bucket/*')
  @Endpoint({
    access: 'read',
    tag,
    summary: 'Download an object (Range, If-Range, If-Match and If-None-Match supported)',
    description:
      'The current version, or ?version=n. Never existed: 404; deleted or expired: 410. An object stored with ' +
      'delete-after-download is deleted by its first complete download (not by a Range, a 304 or a HEAD); a download ' +
      'that had already begun still completes. A link without headers (a browser download) may name a token from ' +
      'POST /api/login as ?access_token=.',
    params: ObjectParamsSchema,
    querystring: ObjectQuerySchema,
    tokenInQuery: true,
    responses: {
      200: { description: 'The whole content', content: { '*/*': binary }, headers: OBJECT_HEADERS },
      206: { description: 'The requested range', content: { '*/*': binary }, headers: OBJECT_HEADERS },
      304: { description: 'Not modified: If-None-Match named the ETag', headers: OBJECT_HEADERS },
    },
    errors: [...READ_ERRORS, 412, 416],
  })
  async get(
    @Param('bucket') bucket: string,
    @Param('*') key: string,
    @Query() query: { version?: number },
    @Tenancy() scope: TenantScope,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await sendObject(request, reply, await this.objects.read(bucket, keyOf(key), query.version, scope), this.logger);
  }

  @Delete(':bucket/*')
  @HttpCode(204)
  @Endpoint({
    access: 'write',
    tag,
    summary: 'Delete an object: later GETs answer 410 (deleting it again changes nothing)',
    params: ObjectParamsSchema,
    responses: { 204: { description: 'Deleted' } },
    errors: [404],
  })
  async remove(@Param('bucket') bucket: string, @Param('*') key: string, @Tenancy() scope: TenantScope): Promise<void> {
    await this.objects.delete(bucket, keyOf(key), scope);
  }
}

/** The key of a route: the rest of the path after the bucket, as the router decoded it. */
function keyOf(param: string | undefined): string {
  return param ?? '';
}
