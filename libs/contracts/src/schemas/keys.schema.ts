import { Type } from '@sinclair/typebox';
import { LIMITS } from '../limits';
import type { Scope } from '../types';
import { Nullable, Text, TimeSchema } from './common.schema';

/** `read`, `write` or `admin`. */
export const ScopeSchema = Type.Unsafe<Scope>({ type: 'string', enum: ['read', 'write', 'admin'] });

/** `POST /api/v1/keys`. */
export const CreateKeyRequestSchema = Type.Object({
  name: Text(LIMITS.keyNameMax),
  scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: 3 }),
  expires_at: Type.Optional(
    Type.String({ format: 'date-time', description: 'ISO-8601 time (in the future) after which the key is refused' }),
  ),
});

/** A key as listed: never its secret or hash. */
export const KeyInfoSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    scopes: Type.Array(ScopeSchema),
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
  key: Type.String({ description: 'The secret; shown in this response only' }),
  created_at: TimeSchema,
  expires_at: Nullable(TimeSchema),
});

/** `GET /api/v1/keys/me`. */
export const KeyIdentitySchema = Type.Object({ id: Type.String(), name: Type.String(), scopes: Type.Array(ScopeSchema) });

/** Every key. */
export const KeyListSchema = Type.Array(KeyInfoSchema);

/** A route parameter `{id}` of a key. */
export const KeyIdParamsSchema = Type.Object({ id: Text(256) });
