import { HoardError, TUS_CONTENT_TYPE, TUS_VERSION } from '@app/contracts';
import { Metadata } from '@tus/utils';
import type { IncomingHttpHeaders } from 'node:http';
import type { UploadMetadata } from './upload-target';

/** A header's one value (a repeated header is refused as malformed). */
function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw new HoardError('invalid_request', `${name} must be sent once`);
  return value;
}

/** A non-negative integer header, as tus writes them (digits only, no sign, no exponent). */
function count(headers: IncomingHttpHeaders, name: string): number | undefined {
  const value = single(headers, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(n)) {
    throw new HoardError('invalid_request', `${name} must be a non-negative integer, not "${value.slice(0, 40)}"`);
  }
  return n;
}

/**
 * The version check of every tus request but `OPTIONS`: `Tus-Resumable: 1.0.0`, or `412` (tus says which versions
 * the server speaks in `Tus-Version`).
 */
export function checkVersion(headers: IncomingHttpHeaders): void {
  const version = single(headers, 'tus-resumable');
  if (version !== TUS_VERSION) {
    throw new HoardError('precondition_failed', `Tus-Resumable: ${TUS_VERSION} is required (the tus version this server speaks)`, {
      details: { tus_version: [TUS_VERSION] },
    });
  }
}

/** What a creation request declares: its length, and its metadata decoded. */
export interface Creation {
  length: number;
  metadata: UploadMetadata;
}

/**
 * The headers of a creation (`POST`), checked before any byte of a body is read: an `Upload-Length` within the
 * limit (deferred lengths and concatenation are not offered: content by digest has a known size) and well-formed
 * `Upload-Metadata`.
 * @throws HoardError invalid_request, payload_too_large
 */
export function checkCreation(headers: IncomingHttpHeaders, maxBytes: number): Creation {
  if (headers['upload-concat'] !== undefined) {
    throw new HoardError('invalid_request', 'Upload-Concat: the concatenation extension is not offered');
  }
  if (headers['upload-defer-length'] !== undefined) {
    throw new HoardError('invalid_request', 'Upload-Defer-Length: deferred lengths are not offered; send Upload-Length');
  }
  const length = count(headers, 'upload-length');
  if (length === undefined) throw new HoardError('invalid_request', 'Upload-Length is required');
  if (length > maxBytes) {
    throw new HoardError('payload_too_large', `Upload-Length is larger than the limit of ${maxBytes} bytes`, { details: { maxBytes } });
  }
  const raw = single(headers, 'upload-metadata');
  let metadata: UploadMetadata = {};
  if (raw !== undefined) {
    try {
      metadata = Metadata.parse(raw);
    } catch {
      throw new HoardError(
        'invalid_request',
        'Upload-Metadata must be comma-separated pairs of a key and a base64 value, separated by a space, each key once',
      );
    }
  }
  return { length, metadata };
}

/**
 * The headers of a `PATCH`, checked before any byte of its body is read: the tus media type (`415` otherwise) and
 * an `Upload-Offset`.
 * @throws HoardError unsupported_media_type, invalid_request
 */
export function checkPatch(headers: IncomingHttpHeaders): void {
  const type = single(headers, 'content-type');
  if (type !== TUS_CONTENT_TYPE) {
    throw new HoardError('unsupported_media_type', `Content-Type must be ${TUS_CONTENT_TYPE}, not "${(type ?? '').slice(0, 100)}"`);
  }
  if (count(headers, 'upload-offset') === undefined) throw new HoardError('invalid_request', 'Upload-Offset is required');
  if (headers['upload-length'] !== undefined) {
    throw new HoardError('invalid_request', 'Upload-Length belongs to the creation: deferred lengths are not offered');
  }
}
