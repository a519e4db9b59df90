import { HoardError } from '@app/contracts';
import type { ByteRange } from '@app/storage';
import type { FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import type { Readable } from 'node:stream';
import type { ServableBlob } from './blobs.service';

/** What the client asked for: the whole blob, a range of it, or nothing (`304`). */
export type BlobRequestPlan = { kind: 'not_modified' } | { kind: 'full' } | { kind: 'range'; range: ByteRange };

const etagOf = (sha256: string) => `"${sha256}"`;

/** Reads If-None-Match and Range against a blob's size (throws `range_not_satisfiable`). */
export function planBlobResponse(request: FastifyRequest, blob: ServableBlob): BlobRequestPlan {
  const inm = request.headers['if-none-match'];
  if (typeof inm === 'string' && matchesEtag(inm, blob.sha256)) return { kind: 'not_modified' };
  const header = request.headers.range;
  if (typeof header !== 'string' || header === '') return { kind: 'full' };
  const ranges = parseRange(blob.size, header, { combine: true });
  // A malformed Range header, or one in another unit, is ignored as RFC 9110 asks: the whole blob is sent.
  if (ranges === -2) return { kind: 'full' };
  if (ranges === -1) {
    throw new HoardError('range_not_satisfiable', `Range "${header}" is outside the ${blob.size} bytes of this blob`, {
      details: { size: blob.size },
    });
  }
  if (ranges.type !== 'bytes') return { kind: 'full' };
  // Several disjoint ranges would need multipart/byteranges; serving the whole body is the permitted answer.
  if (ranges.length !== 1) return { kind: 'full' };
  return { kind: 'range', range: { start: ranges[0].start, end: ranges[0].end } };
}

function matchesEtag(header: string, sha256: string): boolean {
  return header.split(',').some((tag) => {
    const t = tag.trim().replace(/^W\//, '');
    return t === '*' || t.toLowerCase() === etagOf(sha256);
  });
}

/** Sets the headers every blob response carries. */
export function setBlobHeaders(reply: FastifyReply, blob: ServableBlob): void {
  reply
    .header('ETag', etagOf(blob.sha256))
    .header('Accept-Ranges', 'bytes')
    .header('Cache-Control', 'private, max-age=31536000, immutable')
    .header('Content-Type', 'application/octet-stream');
}

/** Sends the planned response; the stream is opened only when bytes are to be sent. */
export async function sendBlob(
  reply: FastifyReply,
  blob: ServableBlob,
  plan: BlobRequestPlan,
  open: (range?: ByteRange) => Promise<Readable>,
): Promise<void> {
  setBlobHeaders(reply, blob);
  if (plan.kind === 'not_modified') {
    reply.status(304).send();
    return;
  }
  if (plan.kind === 'range') {
    const { start, end } = plan.range;
    const stream = await open(plan.range);
    reply
      .status(206)
      .header('Content-Range', `bytes ${start}-${end}/${blob.size}`)
      .header('Content-Length', String(end - start + 1))
      .send(stream);
    return;
  }
  const stream = await open();
  reply.status(200).header('Content-Length', String(blob.size)).send(stream);
}
