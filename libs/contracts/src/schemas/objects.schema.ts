import { Type } from '@sinclair/typebox';
import { LIMITS } from '../limits';
import { BUCKET_PATTERN, OBJECT_KEY_MAX_BYTES } from '../objects';
import { AccessTokenQueryField, Count, NO_NUL, Nullable, PageSchema, Text, TimeSchema } from './common.schema';
import { FileRecordSchema } from './files.schema';

/** A bucket name (API.md). */
export const BucketSchema = Type.String({
  pattern: BUCKET_PATTERN,
  minLength: 1,
  maxLength: 63,
  description: 'A bucket: 1 to 63 characters of a-z, 0-9, ".", "_" and "-", starting with a letter or a digit',
  'x-error': 'must be 1 to 63 characters of a-z, 0-9, ".", "_" and "-", starting with a letter or a digit',
});

/** A key as documented (the server also counts its UTF-8 bytes and looks at its segments). */
export const ObjectKeySchema = Text(OBJECT_KEY_MAX_BYTES, {
  description: 'The key: 1 to 1,024 bytes of UTF-8, no NUL, no empty, "." or ".." segment; each segment percent-encoded in a URL',
});

/** A route parameter `{bucket}`. */
export const BucketParamsSchema = Type.Object({ bucket: BucketSchema });

/**
 * The route parameters `{bucket}` and `{key}`: the key is the rest of the path (it may hold `/`), which the router
 * names `*`; the documentation calls it `key`. Its rules (which count UTF-8 bytes and look at segments) are checked by
 * the server, which names it `key` in its answer.
 */
export const ObjectParamsSchema = Type.Object({
  bucket: BucketSchema,
  '*': Type.String({ description: ObjectKeySchema.description }),
});

/** `GET`/`HEAD /api/v1/objects/{bucket}/{key}`. */
export const ObjectQuerySchema = Type.Object({
  version: Type.Optional(
    Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A version other than the current one' }),
  ),
  access_token: AccessTokenQueryField,
});

/** `GET /api/v1/objects/{bucket}`. */
export const ListObjectsQuerySchema = Type.Object({
  prefix: Type.Optional(
    Type.String({
      maxLength: OBJECT_KEY_MAX_BYTES,
      pattern: NO_NUL,
      'x-error': 'must not contain NUL characters',
      description: 'Only keys that start with this string (a plain prefix: "a/b" matches "a/b/c" and "a/bc")',
    }),
  ),
  key: Type.Optional(Text(OBJECT_KEY_MAX_BYTES, { description: 'Only this key (with versions=true: its every version)' })),
  versions: Type.Optional(Type.Boolean({ default: false, description: 'Every version of `key`, newest first (needs key)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.listLimitMax, default: LIMITS.listLimitDefault })),
  cursor: Type.Optional(Text(512, { description: 'next_cursor of the previous page' })),
});

/** `DELETE /api/v1/objects/{bucket}?prefix=p`. */
export const DeleteObjectsQuerySchema = Type.Object({
  prefix: Text(OBJECT_KEY_MAX_BYTES, { description: 'Every current object whose key starts with this (non-empty) string' }),
});

/** One version of an object. */
export const ObjectInfoSchema = Type.Object(
  {
    bucket: Type.String(),
    key: Type.String(),
    version: Type.Integer({ minimum: 1 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    size: Count(),
    content_type: Type.String(),
    metadata: Type.Record(Type.String(), Type.String(), { description: 'User metadata (X-Hoard-Meta-<name>), names in lower case' }),
    created_at: TimeSchema,
    expires_at: Nullable(TimeSchema),
    delete_after_download: Type.Boolean(),
    deleted_at: Nullable(TimeSchema),
  },
  { title: 'Object' },
);

/** A page of objects, or every version of one key (then `next_cursor` is null). */
export const ObjectPageSchema = PageSchema(ObjectInfoSchema);

/**
 * `GET /api/v1/blobs/{sha256}/files`: the current records of hosts whose content is this digest (`items`, the epoch
 * first), and the current objects that name it.
 */
export const ClonesSchema = Type.Object({
  items: Type.Array(FileRecordSchema),
  objects: Type.Array(ObjectInfoSchema, { description: 'Current objects whose content is this digest' }),
});
