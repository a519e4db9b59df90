import { ErrorCode, HoardError, isSha256, LIMITS, PackItemResult, PutBlobResponse } from '@app/contracts';
import type { FastifyRequest } from 'fastify';
import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';

/** Errors that refuse one part of a pack and let the others through; any other error fails the request. */
const PER_PART: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['invalid_digest', 'digest_mismatch', 'payload_too_large', 'gone']);

/** Stores one blob; resolves as PUT /api/v1/blobs/{sha256} would answer. */
export type PutOne = (sha256: string, body: Readable) => Promise<PutBlobResponse>;

/**
 * Reads a `multipart/form-data` pack: one file part per blob, its field name the digest. Each part streams into
 * the store in turn and is verified on its own, exactly as a PUT of that blob; a part that does not hash to its
 * name, or is over the size limit, is refused in the answer while the others are stored. Results follow the
 * order of the parts.
 */
export async function storePack(request: FastifyRequest, maxBytes: number, put: PutOne): Promise<PackItemResult[]> {
  if (!request.isMultipart()) {
    throw new HoardError('invalid_request', 'A pack is sent as multipart/form-data, one file part per blob named by its digest');
  }
  const results: PackItemResult[] = [];
  const parts = request.files({
    limits: { fileSize: maxBytes, files: LIMITS.packMax, parts: LIMITS.packMax, fields: 0 },
    // A part over the limit is cut short and reported on its own rather than failing the whole pack.
    throwFileSizeLimit: false,
  });
  for await (const part of parts) {
    const sha256 = part.fieldname.toLowerCase();
    try {
      if (!isSha256(sha256)) throw new HoardError('invalid_digest', 'A part name must be a SHA-256 digest (64 hex characters)');
      const stored = await put(sha256, part.file);
      if (part.file.truncated) throw tooLarge(maxBytes);
      results.push(stored);
    } catch (error) {
      const refusal = part.file.truncated ? tooLarge(maxBytes) : error;
      if (!(refusal instanceof HoardError) || !PER_PART.has(refusal.code)) throw refusal;
      results.push({ sha256, error: { code: refusal.code, message: refusal.message } });
    }
    // Whatever the store left unread is skipped, so that the next part can be read.
    if (!part.file.readableEnded) {
      part.file.resume();
      await finished(part.file).catch(() => undefined);
    }
  }
  return results;
}

function tooLarge(maxBytes: number): HoardError {
  return new HoardError('payload_too_large', `the part is larger than the limit of ${maxBytes} bytes`, { details: { maxBytes } });
}
