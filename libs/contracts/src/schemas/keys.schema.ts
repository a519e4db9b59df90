import { Type } from '@sinclair/typebox';
import { LIMITS } from '../limits';
import type { Scope } from '../types';
import { Nullable, Text, TimeSchema } from './common.schema';

export const ScopeSchema = Type.Unsafe<Scope>({ type: 'string', enum: ['read', 'write', 'admin'] });

export const CreateKeyRequestSchema = Type.Object({
  name: Text(LIMITS.keyNameMax),
  scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: 3 }),
  expires_at: Type.Optional(Type.String({ format: 'date-time', description: 'ISO-8601 time (in the future) after which the key is refused' })),
});

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

export const CreatedKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(ScopeSchema),
  key: Type.String({ description: 'The secret; shown in this response only' }),
  created_at: TimeSchema,
  expires_at: Nullable(TimeSchema),
});

export const KeyIdentitySchema = Type.Object({ id: Type.String(), name: Type.String(), scopes: Type.Array(ScopeSchema) });

export const KeyListSchema = Type.Array(KeyInfoSchema);

export const KeyIdParamsSchema = Type.Object({ id: Text(256) });
