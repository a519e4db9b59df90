import { HoardError } from '@app/contracts';
import '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { multipartFailure } from '../common/multipart-errors';

/** The stream of the multipart field `file` (the first file part); it fails with `payload_too_large` past `maxBytes`. */
export async function multipartFile(request: FastifyRequest, maxBytes: number): Promise<{ stream: Readable; length?: number }> {
  const part = await request.file({ limits: { fileSize: maxBytes, files: 1, fields: 20, parts: 21 } }).catch((error: unknown) => {
    throw multipartFailure(error);
  });
  if (!part || part.fieldname !== 'file') {
    throw new HoardError('validation_failed', 'The multipart body must carry the content in a field named "file"', {
      details: { fields: [{ field: 'file', errors: ['file is required'] }] },
    });
  }
  // The parser cuts a part at the limit and ends it quietly: the truncated bytes must not read as a mismatch. A part
  // that arrived whole with the first bytes of the body was cut before this could listen.
  const tooLarge = () =>
    part.file.destroy(
      new HoardError('payload_too_large', `the body is larger than the limit of ${maxBytes} bytes`, { details: { maxBytes } }),
    );
  if (part.file.truncated) tooLarge();
  else part.file.once('limit', tooLarge);
  return { stream: part.file };
}
