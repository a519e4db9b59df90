import { Type } from '@sinclair/typebox';
import { LIMITS } from '../limits';
import type { Scope } from '../types';
import { Nullable, Text, TimeSchema } from './common.schema';
import { BucketSchema } from './objects.schema';

/** `read`, `write` or `admin`. */
export const ScopeSchema = Type.Unsafe<Scope>({ type: 'string', enum: ['read', 'write', 'admin'] });

/** The hostnames a key is limited to: empty, not limited (unless it names buckets); at creation, omitted for none. */
export const KeyHostnamesSchema = Type.Array(Text(LIMITS.hostnameMax), {
  maxItems: LIMITS.keyTenantsMax,
  description: 'The only hosts this key records, lists, restores and reads under (with `buckets`, its tenants)',
});

/** The buckets a key is limited to: empty, not limited (unless it names hostnames); at creation, omitted for none. */
export const KeyBucketsSchema = Type.Array(BucketSchema, {
  maxItems: LIMITS.keyTenantsMax,
  description: 'The only buckets this key writes and reads objects in (with `hostnames`, its tenants)',
});

/** `POST /api/v1/keys`. */
export const CreateKeyRequestSchema = Type.Object({
  name: Text(LIMITS.keyNameMax),
  scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: 3 }),
  expires_at: Type.Optional(
    Type.String({ format: 'date-time', description: 'ISO-8601 time (in the future) after which the key is refused' }),
  ),
  // Named, a list names at least one tenant: an empty one would read as "no limit" to some and "nothing" to others.
  hostnames: Type.Optional(
    Type.Array(Text(LIMITS.hostnameMax), { minItems: 1, maxItems: LIMITS.keyTenantsMax, description: KeyHostnamesSchema.description }),
  ),
  buckets: Type.Optional(
    Type.Array(BucketSchema, { minItems: 1, maxItems: LIMITS.keyTenantsMax, description: KeyBucketsSchema.description }),
  ),
});

/** A key as listed: never its secret or hash. */
export const KeyInfoSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    scopes: Type.Array(ScopeSchema),
    hostnames: KeyHostnamesSchema,
    buckets: KeyBucketsSchema,
    created_at: TimeSchema,
    expires_at: Nullable(TimeSchema),
    last_used_at: Nullable(TimeSchema),
    revoked_at: Nullable(TimeSchema),
  },
  { title: 'KeyInfo' },
);

/** A key just minted, with its secret. */
export const CreatedKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(ScopeSchema),
  hostnames: KeyHostnamesSchema,
  buckets: KeyBucketsSchema,
  key: Type.String({ description: 'The secret; shown in this response only' }),
  created_at: TimeSchema,
  expires_at: Nullable(TimeSchema),
});

/** `GET /api/v1/keys/me`. */
export const KeyIdentitySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(ScopeSchema),
  hostnames: KeyHostnamesSchema,
  buckets: KeyBucketsSchema,
});

/** Every key. */
export const KeyListSchema = Type.Array(KeyInfoSchema);

/** A route parameter `{id}` of a key. */
export const KeyIdParamsSchema = Type.Object({ id: Text(256) });
