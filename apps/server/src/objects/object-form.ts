import { HoardError } from '@app/contracts';
import '@fastify/multipart';
import type { Multipart } from '@fastify/multipart';
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
 * fields after its file could only be read once the content had been stored). A field of more than 4 KiB, or more
 * than 64 fields, is refused.
 * @throws HoardError validation_failed (no file part, a truncated field), invalid_request (not multipart, malformed)
 */
export async function readObjectForm(request: FastifyRequest, maxBytes: number): Promise<ObjectForm> {
  if (!request.isMultipart()) throw new HoardError('invalid_request', 'The form must be multipart/form-data, with its file part last');
  const part = await request
    .file({ limits: { fileSize: maxBytes, files: 1, fields: 64, parts: 65, fieldSize: 4096 } })
    .catch((error: unknown) => {
      throw multipartFailure(error);
    });
  if (!part) {
    throw new HoardError('validation_failed', 'The form has no file part: send the content as a file part, after the fields', {
      details: { fields: [{ field: 'file', errors: ['is required'] }] },
    });
  }
  const fields: Array<[string, string]> = [];
  for (const entry of Object.values(part.fields).flatMap((value) => (Array.isArray(value) ? value : [value]))) {
    const field = entry as Multipart | undefined;
    if (!field || field.type !== 'field') continue;
    if (field.valueTruncated || field.fieldnameTruncated) {
      part.file.resume();
      throw new HoardError('validation_failed', `The form field ${field.fieldname} is longer than 4096 bytes`, {
        details: { fields: [{ field: field.fieldname, errors: ['must be at most 4096 bytes'] }] },
      });
    }
    fields.push([field.fieldname, String(field.value)]);
  }
  // The parser cuts a part at the limit and ends it quietly: the truncated bytes must not read as content.
  const tooLarge = () =>
    part.file.destroy(
      new HoardError('payload_too_large', `the body is larger than the limit of ${maxBytes} bytes`, { details: { maxBytes } }),
    );
  if (part.file.truncated) tooLarge();
  else part.file.once('limit', tooLarge);
  const mimetype = part.mimetype && part.mimetype !== 'application/octet-stream' ? part.mimetype : null;
  return { fields, file: part.file, mimetype };
}
