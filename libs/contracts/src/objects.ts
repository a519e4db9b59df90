/**
 * The names and options of objects (API.md "Objects: content by name"): what a bucket, a key and user metadata may
 * be. Shared by the server, which enforces them, and the client, which can refuse a bad name before sending.
 */

/** A bucket: lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit, 1 to 63 characters. */
export const BUCKET_PATTERN = '^[a-z0-9][a-z0-9._-]{0,62}$';
const BUCKET_RE = new RegExp(BUCKET_PATTERN);

/** A key: 1 to 1,024 bytes of UTF-8. */
export const OBJECT_KEY_MAX_BYTES = 1024;
/** User metadata: names and values together, in bytes. */
export const OBJECT_METADATA_MAX_BYTES = 2048;
/** The header prefix of user metadata (`X-Hoard-Meta-<name>`). */
export const OBJECT_META_HEADER_PREFIX = 'x-hoard-meta-';

/** A metadata name: what an HTTP header name may hold (RFC 9110 `token`), lower case. */
const META_NAME_RE = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
/** A metadata value: printable ASCII, which every HTTP client and server carries unchanged in a header. */
const META_VALUE_RE = /^[\x20-\x7e]*$/;

/** A UTF-16 surrogate without its pair: a string that has no UTF-8 form. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with a bucket name, or null when it is a valid one. */
export function bucketProblem(bucket: string): string | null {
  return BUCKET_RE.test(bucket) ? null : 'must be 1 to 63 characters of a-z, 0-9, ".", "_" and "-", starting with a letter or a digit';
}

/** What is wrong with a key, or null when it is a valid one (1 to 1,024 bytes, no NUL, no empty, `.` or `..` segment). */
export function objectKeyProblem(key: string): string | null {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes === 0) return 'must not be empty';
  if (bytes > OBJECT_KEY_MAX_BYTES) return `must be at most ${OBJECT_KEY_MAX_BYTES} bytes of UTF-8 (it is ${bytes})`;
  if (key.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(key)) return 'must be valid UTF-8 (it holds a lone surrogate)';
  for (const segment of key.split('/')) {
    if (segment === '') return 'must not have an empty segment (no leading, trailing or doubled "/")';
    if (segment === '.' || segment === '..') return 'must not have a "." or ".." segment';
  }
  return null;
}

/** What is wrong with user metadata, or null when it is valid: names, values and its size in all. */
export function objectMetadataProblem(metadata: Record<string, string>): string | null {
  let bytes = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!META_NAME_RE.test(name)) return `name "${name}" must be lower-case letters, digits or the symbols an HTTP header name may hold`;
    if (!META_VALUE_RE.test(value)) return `value of "${name}" must be printable ASCII`;
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  }
  return bytes > OBJECT_METADATA_MAX_BYTES
    ? `must be at most ${OBJECT_METADATA_MAX_BYTES} bytes in all, names and values (it is ${bytes})`
    : null;
}
