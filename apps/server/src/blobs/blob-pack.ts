import { ErrorCode, HoardError, isSha256, LIMITS, normalizeSha256, PackItemResult, PutBlobResponse, type Sha256 } from '@app/contracts';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { multipartFailure } from '../common/multipart-errors';
import { MultipartDelimiters } from './multipart-delimiters';
import type { PackSlots } from './pack-slots';

/** Errors that refuse one part of a pack and let the others through; any other error fails the request. */
const PER_PART: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['invalid_digest', 'digest_mismatch', 'payload_too_large', 'gone']);

/** Stores one blob; resolves as PUT /api/v1/blobs/{sha256} would answer. */
export type PutOne = (sha256: Sha256, body: Readable) => Promise<PutBlobResponse>;

/**
 * Reads a `multipart/form-data` pack: one file part per blob, its field name the digest. Each part streams into
 * the store in turn and is verified on its own, exactly as a PUT of that blob; a part that does not hash to its
 * name, is over the size limit or comes after the 1,000th is refused in its item while the others are stored. Once
 * a part's bytes are read the next one is read while the first is flushed (up to the free `slots`); a part naming a
 * digest an earlier part named waits for that one, so results follow part order (`created` true, then false).
 * A part that is not a file (no file name, or no Content-Disposition at all) makes the answer a `400` whose
 * `details.items` still say what became of every other part.
 */
export async function storePack(request: FastifyRequest, maxBytes: number, slots: PackSlots, put: PutOne): Promise<PackItemResult[]> {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(request.headers['content-type'] ?? '');
  if (!request.isMultipart()) {
    throw new HoardError('invalid_request', 'A pack is sent as multipart/form-data, one file part per blob named by its digest');
  }
  if (!boundary) throw new HoardError('invalid_request', 'The multipart body is malformed (its Content-Type names no boundary)');
  const delimiters = new MultipartDelimiters(boundary[1] ?? boundary[2]);
  delimiters.watch(request.raw);
  const results: PackItemResult[] = [];
  const committing = new Set<Promise<void>>();
  const lastOf = new Map<string, Promise<void>>();
  let fatal: unknown = null;
  let notFile: string | null = null;
  const parts = request.parts({
    limits: { fileSize: maxBytes, files: Infinity, parts: Infinity, fields: Infinity },
    // A part over the limit is cut short and reported on its own rather than failing the whole pack.
    throwFileSizeLimit: false,
  } as Parameters<FastifyRequest['parts']>[0]);
  try {
    for (;;) {
      let next: IteratorResult<Multipart>;
      try {
        next = await parts.next();
      } catch (error) {
        throw multipartFailure(error);
      }
      if (next.done) break;
      const part = next.value;
      const name = typeof part.fieldname === 'string' ? part.fieldname : '';
      const index = results.length;
      if (part.type !== 'file') {
        notFile = `part ${index + 1} ("${name}") has no file name`;
        results.push({ sha256: name, error: { code: 'invalid_request', message: 'not a file part: not stored' } });
        continue;
      }
      if (index >= LIMITS.packMax) {
        results.push({ sha256: name, error: { code: 'payload_too_large', message: `a pack carries at most ${LIMITS.packMax} parts: not stored` } });
        part.file.resume();
        await finished(part.file).catch(() => undefined);
        continue;
      }
      results.push({ sha256: name, error: { code: 'internal_error', message: 'not stored' } });
      const sha256 = name.toLowerCase();
      const earlier = lastOf.get(sha256);
      await slots.take();
      const stored = (earlier ?? Promise.resolve())
        .then(() => storePart(part, sha256, maxBytes, put))
        .then(
          (result) => void (results[index] = result),
          (error) => void (fatal ??= error),
        )
        .finally(() => slots.give());
      lastOf.set(sha256, stored);
      // The next part can be read once this one is: when its bytes are all taken, or its upload gave up early.
      await Promise.race([finished(part.file).catch(() => undefined), stored]);
      if (!part.file.readableEnded) {
        part.file.resume();
        await finished(part.file).catch(() => undefined);
      }
      const tracked: Promise<void> = stored.finally(() => committing.delete(tracked));
      committing.add(tracked);
      if (fatal) break;
    }
  } finally {
    // Parts already read finish their commit before any answer, an error included.
    await Promise.all(committing);
  }
  if (fatal) throw fatal;
  const unnamed = delimiters.parts - results.length;
  if (notFile || unnamed > 0) {
    const why = notFile ?? `${unnamed} part${unnamed === 1 ? '' : 's'} without a Content-Disposition naming a file`;
    throw new HoardError('invalid_request', `Every part of a pack is a file named by its digest, but ${why}; the file parts were handled as details.items says`, {
      details: { items: results, unnamed_parts: Math.max(0, unnamed) },
    });
  }
  return results;
}

/** One part: stored, or refused with a per-part error; rejects with any other error (the store is down, say). */
async function storePart(part: MultipartFile, sha256: string, maxBytes: number, put: PutOne): Promise<PackItemResult> {
  try {
    if (!isSha256(sha256)) throw new HoardError('invalid_digest', 'A part name must be a SHA-256 digest (64 hex characters)');
    const stored = await put(normalizeSha256(sha256), part.file);
    if (part.file.truncated) throw tooLarge(maxBytes);
    return stored;
  } catch (error) {
    const refusal = part.file.truncated ? tooLarge(maxBytes) : error;
    if (!(refusal instanceof HoardError) || !PER_PART.has(refusal.code)) throw refusal;
    return { sha256, error: { code: refusal.code, message: refusal.message } };
  }
}

function tooLarge(maxBytes: number): HoardError {
  return new HoardError('payload_too_large', `the part is larger than the limit of ${maxBytes} bytes`, { details: { maxBytes } });
}
