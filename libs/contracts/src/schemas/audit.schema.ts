import { Type } from '@sinclair/typebox';
import { LIMITS } from '../limits';
import { Count, Nullable, PageSchema, Sha256Schema, Text, TimeSchema } from './common.schema';

/** What a request acted on: content, a host's path, an object, or a key. */
export const AuditTargetSchema = Type.Union([
  Type.Object({ sha256: Type.String() }, { additionalProperties: false }),
  Type.Object({ hostname: Type.String(), filepath: Type.String() }, { additionalProperties: false }),
  Type.Object({ bucket: Type.String(), key: Type.String() }, { additionalProperties: false }),
  Type.Object({ key_id: Type.String() }, { additionalProperties: false }),
]);

/** One audit entry: who did what to which content, with its place in its writer's hash chain. */
export const AuditEntrySchema = Type.Object(
  {
    id: Type.String({ description: 'Sorts by time' }),
    at: TimeSchema,
    request_id: Type.String(),
    key_id: Nullable(Type.String({ description: 'The key that called (null when none was valid)' })),
    key_name: Nullable(Type.String()),
    ip: Type.String(),
    action: Type.String({ description: 'A stable dotted name: blob.put, files.record, key.create, auth.refused, ...' }),
    status: Type.Integer({ minimum: 100, maximum: 599 }),
    bytes: Count({ description: 'Body bytes: sent by the client for a write, answered for a read' }),
    targets: Type.Array(AuditTargetSchema, { maxItems: 1000, description: 'At most 1,000; count says how many there were' }),
    count: Count({ description: 'How many targets the request had' }),
    chain: Type.String({ description: "The writer's chain (one per server instance)" }),
    seq: Type.Integer({ minimum: 1, description: 'Place in the chain, from 1' }),
    prev_hash: Type.String({ description: "The hash of the chain's previous entry (64 zeros for the first)" }),
    hash: Type.String({ description: 'SHA-256 over this entry with prev_hash' }),
  },
  { title: 'AuditEntry' },
);

/** The query of `GET /api/v1/audit`. */
export const ListAuditQuerySchema = Type.Object(
  {
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Entries at or after this time' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Entries before this time' })),
    key_id: Type.Optional(Text(256)),
    action: Type.Optional(Text(100, { pattern: '^[a-z][a-z_]*(\\.[a-z_]+)+$', 'x-error': 'must be an action name such as blob.put' })),
    sha256: Type.Optional(Sha256Schema),
    hostname: Type.Optional(Text(LIMITS.hostnameMax)),
    bucket: Type.Optional(Text(255)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.listLimitMax, default: LIMITS.listLimitDefault })),
    cursor: Type.Optional(Text(512, { description: 'next_cursor of the previous page' })),
  },
  // An unknown filter is refused rather than ignored: an export must never silently widen.
  { additionalProperties: false },
);

/** A page of audit entries, newest first. */
export const AuditPageSchema = PageSchema(AuditEntrySchema);

/** `GET /api/v1/audit/verify`: every chain walked. */
export const AuditVerifySchema = Type.Object(
  {
    entries: Count({ description: 'Entries walked' }),
    ok: Type.Boolean({ description: 'Every chain whole: no entry changed, removed or reordered' }),
    first_bad: Nullable(
      Type.Object({
        chain: Type.String(),
        seq: Type.Integer({ minimum: 1 }),
        id: Nullable(Type.String({ description: 'The entry found there; null when the chain ends short of its head' })),
        reason: Type.Union([Type.Literal('hash'), Type.Literal('link'), Type.Literal('missing')], {
          description: 'hash: the entry was changed; link: it does not follow its predecessor; missing: entries were removed',
        }),
      }),
    ),
  },
  { title: 'AuditVerification' },
);
