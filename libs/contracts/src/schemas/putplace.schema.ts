import { Type } from '@sinclair/typebox';
import { LIMITS } from '../limits';
import { Count, Nullable, Text } from './common.schema';
import { FileRecordSchema, RecordFileResponseSchema } from './files.schema';
import { CreatedKeySchema, ScopeSchema } from './keys.schema';

/** `POST /api/login`, `POST /api/v2/auth/login`: PutPlace's login, where the password is a Hoard API key. */
export const LoginRequestSchema = Type.Object({
  email: Type.Optional(Text(320, { description: 'Not checked: the key says who is calling' })),
  username: Type.Optional(Text(320, { description: 'Not checked, as email' })),
  password: Text(512, { description: 'A Hoard API key' }),
});

/** A bearer token standing for the key that logged in. */
export const LoginResponseSchema = Type.Object(
  {
    access_token: Type.String({ minLength: 1, description: 'Send it as Authorization: Bearer' }),
    token_type: Type.Literal('bearer'),
    expires_in: Count({ description: 'Seconds until the token expires' }),
  },
  { title: 'LoginResponse' },
);

/** PutPlace's names for a record's fields, carried beside Hoard's own. */
const PutPlaceFieldsSchema = Type.Object({
  _id: Type.String({ description: 'The record id (id)' }),
  file_size: Count({ description: 'size' }),
  file_mode: Nullable(Count({ description: 'mode' })),
  file_uid: Nullable(Count({ description: 'uid' })),
  file_gid: Nullable(Count({ description: 'gid' })),
  file_mtime: Nullable(Type.Number({ description: 'mtime' })),
  file_atime: Nullable(Type.Number({ description: 'atime' })),
  file_ctime: Nullable(Type.Number({ description: 'ctime' })),
  is_symlink: Type.Boolean({ description: 'type is symlink' }),
  has_file_content: Type.Boolean({ description: 'content_available' }),
});

/** `POST /put_file`: the record as `POST /api/v1/files` answers it, with PutPlace's field names too. */
export const PutFileResponseSchema = Type.Composite([RecordFileResponseSchema, PutPlaceFieldsSchema], { title: 'PutFileResponse' });

/** `GET /get_file/{sha256}`: a record, with PutPlace's field names too. */
export const PutPlaceFileRecordSchema = Type.Composite([FileRecordSchema, PutPlaceFieldsSchema], { title: 'PutPlaceFileRecord' });

/** The query PutPlace's client sends with an upload; accepted and not needed (the record was made by `/put_file`). */
export const UploadFileQuerySchema = Type.Object({
  hostname: Type.Optional(Text(LIMITS.hostnameMax)),
  filepath: Type.Optional(Text(LIMITS.filepathMax)),
});

/** `POST /api_keys`: as `POST /api/v1/keys`, scopes optional (a `write` key), PutPlace's `description` accepted. */
export const CompatCreateKeyRequestSchema = Type.Object({
  name: Text(LIMITS.keyNameMax),
  description: Type.Optional(Text(1024, { description: "PutPlace's description of the key: accepted, not kept" })),
  scopes: Type.Optional(Type.Array(ScopeSchema, { minItems: 1, maxItems: 3, description: 'Default ["write"]' })),
  expires_at: Type.Optional(
    Type.String({ format: 'date-time', description: 'ISO-8601 time (in the future) after which the key is refused' }),
  ),
});

/** A key minted by `POST /api_keys`: as `POST /api/v1/keys` answers it, with PutPlace's `api_key`, `_id`, `is_active`. */
export const CompatCreatedKeySchema = Type.Composite(
  [
    CreatedKeySchema,
    Type.Object({ api_key: Type.String({ description: 'The secret (key)' }), _id: Type.String(), is_active: Type.Literal(true) }),
  ],
  { title: 'CompatCreatedKey' },
);
