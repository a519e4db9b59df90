import { Type } from '@sinclair/typebox';
import { EMPTY_SHA256 } from '../digest';
import { LIMITS } from '../limits';
import { ABSOLUTE_PATH, Count, ItemsSchema, NO_NUL, Nullable, PageSchema, Sha256Schema, Text, TimeSchema } from './common.schema';

const statInt = () => Type.Optional(Count());
const statTime = () => Type.Optional(Type.Number({ description: 'Unix seconds, fractions allowed' }));

const Filepath = Text(LIMITS.filepathMax, {
  pattern: ABSOLUTE_PATH,
  'x-error': 'must be an absolute path without NUL characters',
  description: 'Absolute path as on the host',
});
const Hostname = Text(LIMITS.hostnameMax);

/** What a record describes: a regular file (its content by digest) or a symbolic link (its target, no content). */
export const FileTypeSchema = Type.Unsafe<'file' | 'symlink'>({
  type: 'string',
  enum: ['file', 'symlink'],
  description: "file (the default) or symlink; a symlink has no content: the empty content's digest and size 0",
});

/** A digest as a pattern that accepts it in either case, as every digest of the contract is accepted. */
const eitherCase = (hex: string) => `^${hex.replace(/[a-f]/g, (c) => `[${c}${c.toUpperCase()}]`)}$`;

/**
 * What ties a record's `type` to its other fields: a symlink names its target and has no content (the empty
 * content's digest, size 0); a file has no link target.
 */
const FILE_KIND_RULES = {
  if: { properties: { type: { const: 'symlink' } }, required: ['type'] },
  then: {
    required: ['link_target'],
    properties: {
      sha256: { pattern: eitherCase(EMPTY_SHA256), 'x-error': 'must be the digest of the empty content for a symlink' },
      size: { const: 0, 'x-error': 'must be 0 for a symlink' },
    },
  },
  else: { properties: { link_target: { not: {}, 'x-error': 'is allowed only for a symlink' } } },
};

/** What a host says about one file it found (FileMetadata of API.md). Unknown fields are ignored. */
export const FileMetadataSchema = Type.Object(
  {
    filepath: Filepath,
    hostname: Hostname,
    sha256: Sha256Schema,
    size: Count({ description: 'Bytes' }),
    mode: statInt(),
    uid: statInt(),
    gid: statInt(),
    mtime: statTime(),
    atime: statTime(),
    ctime: statTime(),
    ip_address: Type.Optional(Type.String({ maxLength: 64, pattern: NO_NUL, 'x-error': 'must not contain NUL characters' })),
    type: Type.Optional(FileTypeSchema),
    link_target: Type.Optional(Text(LIMITS.filepathMax, { description: 'Where a symlink points, as the link says it (symlinks only)' })),
  },
  { title: 'FileMetadata', ...FILE_KIND_RULES },
);

/** One version of the file at (hostname, filepath). */
export const FileRecordSchema = Type.Object(
  {
    id: Type.String(),
    filepath: Type.String(),
    hostname: Type.String(),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    size: Count(),
    mode: Nullable(Count()),
    uid: Nullable(Count()),
    gid: Nullable(Count()),
    mtime: Nullable(Type.Number()),
    atime: Nullable(Type.Number()),
    ctime: Nullable(Type.Number()),
    ip_address: Nullable(Type.String()),
    version: Type.Integer({ minimum: 1 }),
    first_seen_at: TimeSchema,
    last_seen_at: TimeSchema,
    deleted_at: Nullable(TimeSchema),
    content_available: Type.Boolean(),
    type: FileTypeSchema,
    link_target: Nullable(Type.String({ description: 'The target of a symlink; null for a file' })),
  },
  { title: 'FileRecord' },
);

/** A record as `POST /api/v1/files` answers it: whether its content must be uploaded, and where. */
export const RecordFileResponseSchema = Type.Composite(
  [
    FileRecordSchema,
    Type.Object({
      upload_required: Type.Boolean({ description: 'true only when the server lacks the content' }),
      upload_url: Nullable(Type.String()),
    }),
  ],
  { title: 'RecordFileResponse' },
);

/** Whether recording made a new version. */
export const RecordStatusSchema = Type.Union([Type.Literal('created'), Type.Literal('unchanged')]);

/** `POST /api/v1/files/batch`: 1 to 1,000 records. */
export const BatchRequestSchema = Type.Object({
  files: Type.Array(FileMetadataSchema, { minItems: 1, maxItems: LIMITS.batchMax }),
});

/** One record of a batch, by its index in the request. */
export const BatchResultItemSchema = Type.Object({
  index: Count(),
  id: Type.String(),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  status: RecordStatusSchema,
  upload_required: Type.Boolean({ description: 'The server lacks the content (never stored, or quarantined): upload it' }),
  content_available: Type.Boolean({
    description:
      'False when the content cannot be downloaded now: not stored yet, quarantined, or taken down (then upload_required is false too)',
  }),
});

/** The results of a batch, in request order. */
export const BatchResponseSchema = Type.Object({ results: Type.Array(BatchResultItemSchema) });

/** `POST /api/v1/files/deleted`: paths a host no longer has (at most 1,000). */
export const DeletedRequestSchema = Type.Object({
  hostname: Hostname,
  filepaths: Type.Array(Text(LIMITS.filepathMax), { maxItems: LIMITS.deletedMax }),
});

/** Confirms that unchanged files are still where they were recorded, by record id. */
export const SeenRequestSchema = Type.Object({
  hostname: Hostname,
  ids: Type.Array(Text(64), { minItems: 1, maxItems: LIMITS.batchMax, description: 'record ids from earlier batches' }),
});

/** What a confirmation by record id found. */
export const SeenResponseSchema = Type.Object({
  seen: Count({ description: 'How many records were confirmed (their last_seen_at refreshed)' }),
  stale: Type.Array(Type.String(), { description: 'Not a current record on that host: record these files again' }),
  upload_required: Type.Array(Type.String(), { description: 'Confirmed, but the content is not stored: upload it' }),
});

/** The query of `GET /api/v1/files`. */
export const ListFilesQuerySchema = Type.Object({
  hostname: Type.Optional(Hostname),
  path_prefix: Type.Optional(
    Text(LIMITS.filepathMax, {
      description: 'A directory or a file: /a/b matches /a/b and /a/b/..., not /a/bc; /a/b/ only what is under it',
    }),
  ),
  sha256: Type.Optional(Sha256Schema),
  include_deleted: Type.Optional(Type.Boolean({ default: false })),
  at: Type.Optional(TimeSchema),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.listLimitMax, default: LIMITS.listLimitDefault })),
  cursor: Type.Optional(Text(512, { description: 'next_cursor of the previous page' })),
});

/** One path on one host (history, content). */
export const PathQuerySchema = Type.Object({ hostname: Hostname, filepath: Text(LIMITS.filepathMax) });

/** A path prefix on one host (`DELETE /api/v1/files`). */
export const PrefixQuerySchema = Type.Object({ hostname: Hostname, path_prefix: Text(LIMITS.filepathMax) });

/** A route parameter `{id}` of a record. */
export const FileIdParamsSchema = Type.Object({ id: Text(256) });

/** A page of records. */
export const FilePageSchema = PageSchema(FileRecordSchema);
/** Every record of a kind (history, clones). */
export const FileItemsSchema = ItemsSchema(FileRecordSchema);
