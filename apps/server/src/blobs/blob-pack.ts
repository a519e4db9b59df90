import { ErrorCode, HoardError, isSha256, LIMITS, PackItemResult, PutBlobResponse } from '@app/contracts';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { multipartFailure } from '../common/multipart-errors';

/** Errors that refuse one part of a pack and let the others through; any other error fails the request. */
const PER_PART: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['invalid_digest', 'digest_mismatch', 'payload_too_large', 'gone']);

/** Stores one blob; resolves as PUT /api/v1/blobs/{sha256} would answer. */
export type PutOne = (sha256: string, body: Readable) => Promise<PutBlobResponse>;

/**
 * Counts the pack parts being stored across every request of the server: each holds an open file until its flush
 * is done, so their number is bounded whatever the number of packs arriving at once.
 */
export class PackSlots {
  private used = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {}

  /** Waits for a free slot and takes it. */
  async take(): Promise<void> {
    while (this.used >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.used++;
  }

  give(): void {
    this.used--;
    this.waiting.shift()?.();
  }
}

/**
 * Reads a `multipart/form-data` pack: one file part per blob, its field name the digest. Each part streams into
 * the store in turn and is verified on its own, exactly as a PUT of that blob; a part that does not hash to its
 * name, or is over the size limit, is refused in the answer while the others are stored. Parts arrive one after
 * another, but once a part's bytes are read the next one is read while the first is flushed and linked, so the
 * disk's flushes overlap, up to the free `slots`. The answer waits for every part; results follow the order of the
 * parts.
 */
export async function storePack(request: FastifyRequest, maxBytes: number, slots: PackSlots, put: PutOne): Promise<PackItemResult[]> {
  if (!request.isMultipart()) {
    throw new HoardError('invalid_request', 'A pack is sent as multipart/form-data, one file part per blob named by its digest');
  }
  const results: PackItemResult[] = [];
  const committing = new Set<Promise<void>>();
  let fatal: unknown = null;
  const parts = request.files({
    limits: { fileSize: maxBytes, files: LIMITS.packMax, parts: LIMITS.packMax, fields: 0 },
    // A part over the limit is cut short and reported on its own rather than failing the whole pack.
    throwFileSizeLimit: false,
  });
  try {
    for (;;) {
      let next: IteratorResult<MultipartFile>;
      try {
        next = await parts.next();
      } catch (error) {
        throw multipartFailure(error);
      }
      if (next.done) break;
      const part = next.value;
      const index = results.push({ sha256: partName(part), error: { code: 'internal_error', message: 'not stored' } }) - 1;
      await slots.take();
      const stored = storePart(part, maxBytes, put)
        .then(
          (result) => void (results[index] = result),
          (error) => void (fatal ??= error),
        )
        .finally(() => slots.give());
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
  return results;
}

/** One part: stored, or refused with a per-part error; rejects with any other error (the store is down, say). */
async function storePart(part: MultipartFile, maxBytes: number, put: PutOne): Promise<PackItemResult> {
  const sha256 = partName(part).toLowerCase();
  try {
    if (!isSha256(sha256)) throw new HoardError('invalid_digest', 'A part name must be a SHA-256 digest (64 hex characters)');
    const stored = await put(sha256, part.file);
    if (part.file.truncated) throw tooLarge(maxBytes);
    return stored;
  } catch (error) {
    const refusal = part.file.truncated ? tooLarge(maxBytes) : error;
    if (!(refusal instanceof HoardError) || !PER_PART.has(refusal.code)) throw refusal;
    return { sha256, error: { code: refusal.code, message: refusal.message } };
  }
}

/** The part's field name: its digest, or '' when the part has none. */
function partName(part: MultipartFile): string {
  return typeof part.fieldname === 'string' ? part.fieldname : '';
}

function tooLarge(maxBytes: number): HoardError {
  return new HoardError('payload_too_large', `the part is larger than the limit of ${maxBytes} bytes`, { details: { maxBytes } });
}
