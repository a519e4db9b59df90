import type { ObjectInfo } from '@app/contracts';
import type { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { planBlobResponse, sendBlob, setBlobHeaders } from '../blobs/blob-response';
import type { ServableBlob } from '../blobs/blobs.service';
import type { ObjectRead } from './objects.service';

/**
 * The headers an object's `GET` and `HEAD` carry besides its content's (ETag, Accept-Ranges): its `Content-Type`,
 * `Last-Modified` (when the version was written), its version, expiry and user metadata. A key's content changes
 * from version to version, so a cache must ask again each time (unlike content by digest).
 */
export function objectHeaders(object: ObjectInfo): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': object.content_type,
    'Last-Modified': new Date(object.created_at).toUTCString(),
    'Cache-Control': 'private, no-cache',
    'X-Hoard-Version': String(object.version),
    'X-Hoard-Sha256': object.sha256,
  };
  if (object.expires_at) headers['X-Hoard-Expires-At'] = object.expires_at;
  if (object.delete_after_download) headers['X-Hoard-Delete-After-Download'] = 'true';
  for (const [name, value] of Object.entries(object.metadata)) headers[`X-Hoard-Meta-${name}`] = value;
  return headers;
}

/**
 * Sends an object as `GET /api/v1/blobs/{sha256}` sends content (Range, If-Range, If-Match, If-None-Match, verified
 * full reads), with its own headers. Once a whole-content answer has been sent completely (`finish`: the last byte
 * went to the connection; a client that goes away before never gets there), the read's `downloaded` runs: that is
 * what deletes a delete-after-download version; a range, a `304` or a failed read never does.
 */
export async function sendObject(request: FastifyRequest, reply: FastifyReply, read: ObjectRead, logger: Logger): Promise<void> {
  const plan = planBlobResponse(request, read.blob);
  if (plan.kind === 'full') {
    reply.raw.once('finish', () => {
      if (reply.statusCode !== 200) return;
      read
        .downloaded()
        .catch((error: unknown) =>
          logger.error(`${read.object.bucket}/${read.object.key} was downloaded but not deleted: ${String(error)}`),
        );
    });
  }
  await sendBlob(reply, read.blob, plan, read.open, objectHeaders(read.object));
}

/** The answer of a `HEAD`: every header of the `GET`, no body. */
export function sendObjectHead(reply: FastifyReply, { object, blob }: { object: ObjectInfo; blob: ServableBlob }): void {
  setBlobHeaders(reply, blob);
  reply.headers(objectHeaders(object)).header('Content-Length', String(object.size)).status(200).send();
}
