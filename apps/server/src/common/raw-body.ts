import { HoardError } from '@app/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';

const OCTET = 'application/octet-stream';

/**
 * Lets upload routes receive their body as a stream, whatever its type (multipart aside). On every other route a
 * body that is not JSON, `application/octet-stream` included, is a `400 invalid_request` before it is read.
 */
export function registerRawBodyParsers(fastify: FastifyInstance): void {
  const uploadOnly = (req: FastifyRequest, payload: NodeJS.ReadableStream, done: (err: Error | null, body?: unknown) => void) => {
    // No route matched: the body is left alone so that the answer is the 404 it deserves.
    if (isUploadRoute(req) || !req.routeOptions?.url) return done(null, payload);
    payload.resume();
    done(new HoardError('invalid_request', `Content-Type must be application/json, not "${req.headers['content-type'] ?? ''}"`));
  };
  // Only JSON (and multipart on the PutPlace upload route) is parsed; plain text is as wrong as any other type.
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser(OCTET, uploadOnly);
  fastify.addContentTypeParser('*', uploadOnly);
}

function isUploadRoute(req: FastifyRequest): boolean {
  const url = req.routeOptions?.url ?? '';
  return (req.method === 'PUT' && url === '/api/v1/blobs/:sha256') || (req.method === 'POST' && url === '/upload_file/:sha256');
}

/** The raw body stream of an upload route and its declared length. */
export function rawBody(request: FastifyRequest): { stream: Readable; length?: number } {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const header = request.headers['content-length'];
  let body = request.body as unknown;
  // Fastify hands no body at all to the route for a request without one: that is an empty upload.
  if (body === undefined && (type === '' || type === OCTET) && (header === undefined || header === '0')) {
    body = Readable.from([]);
  }
  if (!(body instanceof Readable)) {
    const what = type || (body === undefined ? 'an empty body' : 'this body');
    throw new HoardError('invalid_request', `Blob content must be sent as ${OCTET}, not ${what}`);
  }
  const length = header === undefined ? undefined : Number(header);
  return { stream: body, length: Number.isSafeInteger(length) ? length : undefined };
}
