import { LIMITS } from '@app/contracts';

/**
 * JSON Schemas of the bulk bodies (a batch of records, a list of digests), checked by Fastify's compiled Ajv
 * validator before the route runs: class-validator costs about a tenth of a millisecond per record, which would
 * dominate a 1,000-record batch. The rules are the DTOs' rules (files.dto.ts, blobs.dto.ts), which document them.
 */
export const SHA256_SCHEMA = { type: 'string', pattern: '^[0-9a-fA-F]{64}$' } as const;

const statInt = { type: 'integer', minimum: 0 } as const;
const statTime = { type: 'number' } as const;

export const FILE_METADATA_SCHEMA = {
  type: 'object',
  required: ['filepath', 'hostname', 'sha256', 'size'],
  properties: {
    filepath: { type: 'string', minLength: 1, maxLength: LIMITS.filepathMax },
    hostname: { type: 'string', minLength: 1, maxLength: LIMITS.hostnameMax },
    sha256: SHA256_SCHEMA,
    size: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    mode: statInt,
    uid: statInt,
    gid: statInt,
    mtime: statTime,
    atime: statTime,
    ctime: statTime,
    ip_address: { type: 'string', maxLength: 64 },
    type: { type: 'string', enum: ['file', 'symlink'] },
    link_target: { type: 'string', minLength: 1, maxLength: LIMITS.filepathMax },
  },
} as const;

export const BATCH_SCHEMA = {
  type: 'object',
  required: ['files'],
  properties: {
    files: { type: 'array', minItems: 1, maxItems: LIMITS.batchMax, items: FILE_METADATA_SCHEMA },
  },
} as const;

export const MISSING_SCHEMA = {
  type: 'object',
  required: ['sha256'],
  properties: {
    sha256: { type: 'array', minItems: 1, maxItems: LIMITS.missingMax, items: SHA256_SCHEMA },
  },
} as const;

export const SEEN_SCHEMA = {
  type: 'object',
  required: ['hostname', 'ids'],
  properties: {
    hostname: { type: 'string', minLength: 1, maxLength: LIMITS.hostnameMax },
    ids: { type: 'array', minItems: 1, maxItems: LIMITS.batchMax, items: { type: 'string', minLength: 1, maxLength: 64 } },
  },
} as const;

/** Ajv options for route schemas: strict types (no coercion), every error reported, unknown fields dropped. */
export const AJV_OPTIONS = { allErrors: true, coerceTypes: false, removeAdditional: true, useDefaults: false } as const;
