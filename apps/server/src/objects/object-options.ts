import { HoardError, normalizeSha256, OBJECT_META_HEADER_PREFIX, type Sha256 } from '@app/contracts';
import type { IncomingHttpHeaders } from 'node:http';

/** What a writer may say of an object besides its content (API.md: the `X-Hoard-*` headers, or the same as form fields). */
export interface PutObjectOptions {
  /** Served back as the object's `Content-Type` (default `application/octet-stream`). */
  contentType?: string;
  /** The digest the content must have: the upload is refused (`422`, nothing stored) when it has another. */
  sha256?: Sha256;
  /** When it stops being served; at most one of this and `ttlSeconds`. */
  expiresAt?: Date;
  /** Seconds from now until it stops being served. */
  ttlSeconds?: number;
  /** Deleted by its first complete download. */
  deleteAfterDownload?: boolean;
  /** User metadata, names in lower case (at most 2 KiB, names and values). */
  metadata?: Record<string, string>;
  /** The declared length of the body, when known. */
  contentLength?: number;
  /** Whether the client went away before its whole body had arrived (an upload cut short is counted as aborted). */
  clientGone?: () => boolean;
  /** A file of this host holding exactly the body, hashed to `sha256` from its bytes (see BlobsService.put). */
  adoptFile?: string;
}

/** One option as it arrived: its name as the sender wrote it (for errors), the option it is, its value. */
interface RawOption {
  field: string;
  option: string;
  value: string;
}

/** An ISO-8601 time with a zone (`2030-01-31T00:00:00Z`, `…+02:00`). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
/** Up to about 300 years in seconds: long enough for anything, short enough to stay a valid date. */
const TTL = /^[0-9]{1,10}$/;
/** What a `Content-Type` may be to be served back unchanged: printable ASCII, no more than a header should carry. */
const CONTENT_TYPE = /^[\x20-\x7e]{1,255}$/;

/** A request option that failed validation, naming it as the sender did. */
export function optionError(field: string, message: string): HoardError {
  return new HoardError('validation_failed', `${field} ${message}`, { details: { fields: [{ field, errors: [message] }] } });
}

/**
 * The options of `PUT /api/v1/objects/{bucket}/{key}`: `Content-Type` (unless `contentType` is false: a form's is its
 * own) and the `X-Hoard-*` headers. Other `X-Hoard-*` headers are left alone (a proxy may add its own).
 * @throws HoardError validation_failed naming the header; invalid_digest for a bad `X-Hoard-Sha256`
 */
export function optionsFromHeaders(headers: IncomingHttpHeaders, contentType = true): PutObjectOptions {
  const raw: RawOption[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('x-hoard-') || value === undefined) continue;
    const option = name.slice('x-hoard-'.length);
    if (option === 'key' || (!KNOWN.has(option) && !option.startsWith('meta-'))) continue;
    raw.push({ field: headerName(name), option, value: Array.isArray(value) ? value.join(', ') : value });
  }
  const type = headers['content-type'];
  if (type !== undefined && contentType) raw.push({ field: 'Content-Type', option: 'content-type', value: type });
  return parseOptions(raw);
}

/**
 * The options of a multipart `POST /api/v1/objects/{bucket}`, from its fields: `key`, and each option named as its
 * header (`X-Hoard-Ttl-Seconds`) or without the prefix, in either case, with `-` or `_` (`ttl_seconds`), user metadata
 * as `meta-<name>` (or `X-Hoard-Meta-<name>`). A field's value wins over the header of the same option.
 * @throws HoardError validation_failed naming an unknown or bad field, or one given twice (in any of its spellings)
 */
export function optionsFromFields(
  fields: Array<[string, string]>,
  fromHeaders: PutObjectOptions,
): { key?: string; options: PutObjectOptions } {
  const raw: RawOption[] = [];
  let key: string | undefined;
  const given = new Set<string>();
  for (const [field, value] of fields) {
    const lower = field.toLowerCase();
    const bare = lower.startsWith('x-hoard-') ? lower.slice('x-hoard-'.length) : lower;
    const meta = /^meta[-_]/.exec(bare);
    const option = meta ? `meta-${bare.slice(5)}` : bare.replace(/_/g, '-');
    // Which of two values was meant would be a guess (and a form's later field could silently undo an earlier one).
    if (given.has(option)) throw optionError(field, 'is given more than once');
    given.add(option);
    if (option === 'key') key = value;
    else if (KNOWN.has(option) || option === 'content-type' || meta) raw.push({ field, option, value });
    else throw optionError(field, `is not a field of an object upload (key, ${[...KNOWN].join(', ')}, content-type, meta-<name>)`);
  }
  const fromFields = parseOptions(raw);
  const metadata = { ...fromHeaders.metadata, ...fromFields.metadata };
  return { key, options: { ...fromHeaders, ...fromFields, ...(Object.keys(metadata).length > 0 ? { metadata } : {}) } };
}

const KNOWN = new Set(['sha256', 'expires-at', 'ttl-seconds', 'delete-after-download']);

function parseOptions(raw: RawOption[]): PutObjectOptions {
  const options: PutObjectOptions = {};
  for (const { field, option, value } of raw) {
    if (option === 'sha256') options.sha256 = normalizeSha256(value.trim(), field);
    else if (option === 'expires-at') options.expiresAt = parseTime(field, value.trim());
    else if (option === 'ttl-seconds') options.ttlSeconds = parseTtl(field, value.trim());
    else if (option === 'delete-after-download') options.deleteAfterDownload = parseBoolean(field, value.trim());
    else if (option === 'content-type') options.contentType = parseContentType(field, value.trim());
    else (options.metadata ??= {})[option.slice('meta-'.length)] = value;
  }
  return options;
}

function parseTime(field: string, value: string): Date {
  const time = ISO_TIME.test(value) ? new Date(value) : null;
  if (!time || Number.isNaN(time.getTime())) throw optionError(field, 'must be an ISO-8601 time with a zone, e.g. 2030-01-31T00:00:00Z');
  return time;
}

function parseTtl(field: string, value: string): number {
  const ttl = TTL.test(value) ? Number(value) : 0;
  if (ttl < 1) throw optionError(field, 'must be a whole number of seconds, at least 1');
  return ttl;
}

function parseBoolean(field: string, value: string): boolean {
  const lower = value.toLowerCase();
  if (lower !== 'true' && lower !== 'false') throw optionError(field, 'must be true or false');
  return lower === 'true';
}

function parseContentType(field: string, value: string): string {
  if (!CONTENT_TYPE.test(value)) throw optionError(field, 'must be 1 to 255 printable ASCII characters');
  return value;
}

/** `x-hoard-ttl-seconds` as `X-Hoard-Ttl-Seconds`; user metadata keeps its name as given (`X-Hoard-Meta-owner`). */
function headerName(lower: string): string {
  if (lower.startsWith(OBJECT_META_HEADER_PREFIX)) return `X-Hoard-Meta-${lower.slice(OBJECT_META_HEADER_PREFIX.length)}`;
  return lower.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
