import { HoardError } from '@app/contracts';
import type { ByteRange } from '@app/storage';
import type { FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import type { Readable } from 'node:stream';
import type { ServableBlob } from './blobs.service';

/** What the client asked for: the whole blob, a range of it, nothing (`304`), or what cannot be served. */
export type BlobRequestPlan =
  | { kind: 'not_modified' }
  | { kind: 'full' }
  | { kind: 'range'; range: ByteRange }
  | { kind: 'unsatisfiable' }
  | { kind: 'precondition_failed' };

const etagOf = (sha256: string) => `"${sha256}"`;

/** `bytes=` and a list of `a-b`, `a-` or `-n`, each with a <= b: anything else is not a byte range at all. */
const RANGE_SPEC = /^\s*(?:(\d+)-(\d*)|-(\d+))\s*$/;

function isValidByteRange(header: string): boolean {
  if (!/^bytes=/i.test(header)) return false;
  const specs = header.slice(6).split(',');
  return specs.every((spec) => {
    const m = RANGE_SPEC.exec(spec);
    if (!m) return false;
    return m[1] === undefined || m[2] === '' || Number(m[1]) <= Number(m[2]);
  });
}

/** A list of entity tags (`If-Match`, `If-None-Match`) names this blob; `weak` allows `W/` tags to match. */
function matchesEtag(header: string, sha256: string, weak: boolean): boolean {
  return header.split(',').some((tag) => {
    let t = tag.trim();
    if (t === '*') return true;
    if (t.startsWith('W/')) {
      if (!weak) return false;
      t = t.slice(2);
    }
    return t.toLowerCase() === etagOf(sha256);
  });
}

/**
 * Reads the conditional and range headers against a blob, as RFC 9110 orders them: If-Match (`412` when it names
 * another tag), If-None-Match (`304`), then Range, honoured only when If-Range (if any) names this blob's strong
 * ETag. A Range that is not a valid byte range (`bytes=5-2`, another unit) is ignored; a valid one past the end is
 * unsatisfiable (`416`).
 */
export function planBlobResponse(request: FastifyRequest, blob: ServableBlob): BlobRequestPlan {
  const ifMatch = request.headers['if-match'];
  if (typeof ifMatch === 'string' && !matchesEtag(ifMatch, blob.sha256, false)) return { kind: 'precondition_failed' };
  const inm = request.headers['if-none-match'];
  if (typeof inm === 'string' && matchesEtag(inm, blob.sha256, true)) return { kind: 'not_modified' };
  const header = request.headers.range;
  if (typeof header !== 'string' || !isValidByteRange(header)) return { kind: 'full' };
  const ifRange = request.headers['if-range'];
  // A date or a weak or other tag in If-Range means "the whole content unless it is unchanged": this one has no
  // modification date, so only its own strong ETag keeps the range.
  if (typeof ifRange === 'string' && ifRange.trim().toLowerCase() !== etagOf(blob.sha256)) return { kind: 'full' };
  const ranges = parseRange(blob.size, header, { combine: true });
  if (ranges === -1) return { kind: 'unsatisfiable' };
  // Several disjoint ranges would need multipart/byteranges; serving the whole body is the permitted answer.
  if (ranges === -2 || ranges.length !== 1) return { kind: 'full' };
  return { kind: 'range', range: { start: ranges[0].start, end: ranges[0].end } };
}

/** Sets the headers every blob response carries. */
export function setBlobHeaders(reply: FastifyReply, blob: ServableBlob): void {
  reply
    .header('ETag', etagOf(blob.sha256))
    .header('Accept-Ranges', 'bytes')
    .header('Cache-Control', 'private, max-age=31536000, immutable')
    .header('Content-Type', 'application/octet-stream');
}

/**
 * Sends the planned response; the stream is opened only when bytes are to be sent. `headers` are set over the
 * blob's own (an object's `Content-Type`, say).
 */
export async function sendBlob(
  reply: FastifyReply,
  blob: ServableBlob,
  plan: BlobRequestPlan,
  open: (range?: ByteRange) => Promise<Readable>,
  headers: Record<string, string> = {},
): Promise<void> {
  setBlobHeaders(reply, blob);
  reply.headers(headers);
  if (plan.kind === 'precondition_failed') {
    throw new HoardError('precondition_failed', 'If-Match names another version; this content has a different ETag');
  }
  if (plan.kind === 'unsatisfiable') {
    reply.header('Content-Range', `bytes */${blob.size}`);
    throw new HoardError('range_not_satisfiable', `The range is outside the ${blob.size} bytes of this content`, {
      details: { size: blob.size },
    });
  }
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
