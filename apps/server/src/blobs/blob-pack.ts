import { HoardError } from '@app/contracts';
import type { Multipart } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { multipartFailure } from '../common/multipart-errors';
import { MultipartDelimiters } from './multipart-delimiters';
import type { PackSource } from './pack-upload.service';

/**
 * The pack of a `multipart/form-data` request, read part by part: one file part per blob, its field name the
 * digest. A file part over `maxBytes` is cut short (marked `truncated`) rather than failing the whole request; the
 * parts the parser skips without a word (no Content-Disposition) are counted from the body's delimiters.
 * @throws HoardError invalid_request when the request is not multipart or names no boundary
 */
export function readPack(request: FastifyRequest, maxBytes: number): PackSource {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(request.headers['content-type'] ?? '');
  if (!request.isMultipart()) {
    throw new HoardError('invalid_request', 'A pack is sent as multipart/form-data, one file part per blob named by its digest');
  }
  if (!boundary) throw new HoardError('invalid_request', 'The multipart body is malformed (its Content-Type names no boundary)');
  const delimiters = new MultipartDelimiters(boundary[1] ?? boundary[2]);
  delimiters.watch(request.raw);
  const parts = request.parts({
    limits: { fileSize: maxBytes, files: Infinity, parts: Infinity, fields: Infinity },
    throwFileSizeLimit: false,
  } as Parameters<FastifyRequest['parts']>[0]);
  return {
    async next() {
      let next: IteratorResult<Multipart>;
      try {
        next = await parts.next();
      } catch (error) {
        throw multipartFailure(error);
      }
      if (next.done) return null;
      const part = next.value;
      return { name: typeof part.fieldname === 'string' ? part.fieldname : '', file: part.type === 'file' ? part.file : null };
    },
    partCount: () => delimiters.parts,
  };
}
