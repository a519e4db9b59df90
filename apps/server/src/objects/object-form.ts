import { HoardError } from '@app/contracts';
import '@fastify/multipart';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { multipartFailure } from '../common/multipart-errors';

/** The fields of an object's form that come before its file part, and that part. */
export interface ObjectForm {
  /** Every field before the file part, in order: `key` and the options. */
  fields: Array<[string, string]>;
  /** The content, as it arrives; fails with `payload_too_large` past the limit. */
  file: Readable;
  /** The file part's own Content-Type (the object's, unless a field names another). */
  mimetype: string | null;
}

/**
 * Reads a multipart `POST /api/v1/objects/{bucket}` up to its one file part: the fields must come first (a form's
 * fields after its file could only be read once the content had been stored), and fields after the file part are
 * never read, however the body was cut into packets. A field of more than 4 KiB, or more than 64 fields, is refused.
 * @throws HoardError validation_failed (no file part, a truncated field), invalid_request (not multipart, malformed)
 */
export async function readObjectForm(request: FastifyRequest, maxBytes: number): Promise<ObjectForm> {
  if (!request.isMultipart()) throw new HoardError('invalid_request', 'The form must be multipart/form-data, with its file part last');
  // Parts in the order they came; the iterator is left where the file part is, so nothing after it is looked at.
  const parts = request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 64, parts: 65, fieldSize: 4096 } });
  const fields: Array<[string, string]> = [];
  for (;;) {
    const next = await parts.next().catch((error: unknown) => {
      throw multipartFailure(error);
    });
    if (next.done) {
      throw new HoardError('validation_failed', 'The form has no file part: send the content as a file part, after the fields', {
        details: { fields: [{ field: 'file', errors: ['is required'] }] },
      });
    }
    const part: Multipart = next.value;
    if (part.type === 'file') return { fields, ...content(part, maxBytes) };
    if (part.valueTruncated || part.fieldnameTruncated) {
      throw new HoardError('validation_failed', `The form field ${part.fieldname} is longer than 4096 bytes`, {
        details: { fields: [{ field: part.fieldname, errors: ['must be at most 4096 bytes'] }] },
      });
    }
    fields.push([part.fieldname, String(part.value)]);
  }
}

/** The file part's content, failing with `payload_too_large` past the limit, and its own Content-Type. */
function content(part: MultipartFile, maxBytes: number): Omit<ObjectForm, 'fields'> {
  // The parser cuts a part at the limit and ends it quietly: the truncated bytes must not read as content.
  const tooLarge = () =>
    part.file.destroy(
      new HoardError('payload_too_large', `the body is larger than the limit of ${maxBytes} bytes`, { details: { maxBytes } }),
    );
  if (part.file.truncated) tooLarge();
  else part.file.once('limit', tooLarge);
  const mimetype = part.mimetype && part.mimetype !== 'application/octet-stream' ? part.mimetype : null;
  return { file: part.file, mimetype };
}
