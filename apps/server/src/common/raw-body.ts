import { HoardError, TUS_CONTENT_TYPE } from '@app/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { RouteAccess } from '../auth/route-access';

function uploadKind(request: FastifyRequest): RouteAccess['upload'] {
  return (request.routeOptions.config as Partial<RouteAccess> | undefined)?.upload;
}

/**
 * Content routes receive their body unread, whatever its type: content is bytes. Every other route takes JSON
 * only, so any other type (plain text, forms, multipart) is a `400 invalid_request` before a byte is read.
 */
export function registerRawBodyParsers(fastify: FastifyInstance): void {
  const contentOnly = (req: FastifyRequest, payload: NodeJS.ReadableStream, done: (err: Error | null, body?: unknown) => void) => {
    // No route matched: the body is left alone so that the answer is the 404 it deserves.
    if (uploadKind(req) || !req.routeOptions?.url) return done(null, payload);
    done(new HoardError('invalid_request', `Content-Type must be application/json, not "${req.headers['content-type'] ?? ''}"`));
  };
  fastify.removeContentTypeParser(['text/plain']);
  fastify.addContentTypeParser('*', contentOnly);
  // The bytes of a resumable upload (tus): left unread for the tus server, which reads them from the request.
  fastify.addContentTypeParser(TUS_CONTENT_TYPE, contentOnly);
  // The multipart plugin's parser accepts a multipart body on any route; only content routes take one.
  fastify.addHook('preValidation', async (request) => {
    if (!uploadKind(request) && request.isMultipart?.()) {
      throw new HoardError('invalid_request', 'Content-Type must be application/json, not multipart/form-data');
    }
  });
}

/** Whether the client of `request` went away before its whole body had arrived. */
export function clientGone(request: FastifyRequest): () => boolean {
  return () => request.raw.destroyed && !request.raw.complete;
}

/** The body of a content route as the bytes that arrive, and its declared length. */
export function rawBody(request: FastifyRequest): { stream: Readable; length?: number } {
  const header = request.headers['content-length'];
  const length = header === undefined ? undefined : Number(header);
  // Fastify hands no body to the route for a request without one: that is an empty upload.
  const hasBody = header !== undefined ? length !== 0 : request.headers['transfer-encoding'] !== undefined;
  const stream = hasBody ? request.raw : Readable.from([]);
  return { stream, length: Number.isSafeInteger(length) ? length : undefined };
}
