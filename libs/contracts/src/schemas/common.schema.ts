import { TSchema, Type } from '@sinclair/typebox';
import { ERROR_STATUS, ErrorCode } from '../errors';

/**
 * The building blocks of every request and response schema. A schema may carry `x-error`, the sentence a client
 * reads when a value breaks its `pattern` (the validator's own words would only repeat the regular expression).
 */

/** No NUL anywhere: a string that a host, a database or a restore can carry unchanged. */
export const NO_NUL = '^[^\\u0000]*$';

/** An absolute path as the host writes it: POSIX (`/…`), a Windows drive (`C:\…`, `C:/…`) or a UNC share (`\\…`). */
export const ABSOLUTE_PATH = '^(/|[A-Za-z]:[\\\\/]|\\\\\\\\)[^\\u0000]*$';

/** 64 hexadecimal characters, either case. */
export const SHA256_PATTERN = '^[0-9a-fA-F]{64}$';

/** A SHA-256 digest as 64 hexadecimal characters, either case. */
export const Sha256Schema = Type.String({
  pattern: SHA256_PATTERN,
  minLength: 64,
  maxLength: 64,
  description: 'SHA-256 of the content as 64 hexadecimal characters (either case; stored lower-case)',
  'x-error': 'must be a SHA-256 digest (64 hexadecimal characters)',
});

/** A non-empty string of at most `max` characters without NUL. */
export function Text(max: number, options: Record<string, unknown> = {}) {
  return Type.String({ minLength: 1, maxLength: max, pattern: NO_NUL, 'x-error': 'must not contain NUL characters', ...options });
}

/** An integer from 0 to 2^53 - 1: every count, size, mode and id of the contract. */
export function Count(options: Record<string, unknown> = {}) {
  return Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, ...options });
}

/** A value or null, in responses. */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** An ISO-8601 UTC time, in responses. */
export const TimeSchema = Type.String({ format: 'date-time' });

/** Every error code of the contract. */
export const ErrorCodeSchema = Type.Union((Object.keys(ERROR_STATUS) as ErrorCode[]).map((code) => Type.Literal(code)));

/** The one error shape of every non-2xx answer (API.md). */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ pattern: '^[a-z_]+$', description: 'A stable snake_case code (see API.md)' }),
      message: Type.String({ minLength: 1, description: 'What went wrong, for a person' }),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { title: 'Error' },
);

/** `{"items": [...]}` */
export function ItemsSchema<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item) });
}

/** `{"items": [...], "next_cursor": "…" | null}` */
export function PageSchema<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), next_cursor: Nullable(Type.String()) });
}

/** `{"deleted": n}` */
export const CountResponseSchema = Type.Object({ deleted: Count() });

/**
 * `?access_token=`: a token from `POST /api/login`, for a link that cannot send headers (a browser's download of
 * content). Accepted only on the routes that stream content, and never an API key (a key in a URL ends up in
 * histories).
 */
export const AccessTokenQueryField = Type.Optional(
  Text(2048, { description: 'A token from POST /api/login (never an API key), for links that cannot send headers' }),
);
