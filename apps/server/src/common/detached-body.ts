import { PassThrough, Readable } from 'node:stream';

/**
 * A stream carrying the request body that a consumer may destroy without destroying the connection: when a
 * store gives up early (over the size limit, say), the error response can still reach the client.
 * Errors and aborts of the request are forwarded.
 */
export function detachedBody(body: Readable): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  // The store attaches its pipeline only after an await; an error before that must not be an unhandled 'error'
  // (which ends the process). The pipeline still sees it: it rejects with the stream's stored error.
  out.on('error', () => undefined);
  body.once('error', (err) => out.destroy(err));
  body.once('close', () => {
    if (!body.readableEnded && !out.destroyed) out.destroy(new Error('request body ended before it was complete'));
  });
  body.pipe(out);
  return out;
}

/**
 * Listens to a body that is read only later (after an await), without reading it: returns the function that hands it
 * over as {@link detachedBody}, failing at once if the body failed or was cut meanwhile (a multipart part is cut at its
 * size limit as it arrives), which a listener attached only then would never hear.
 */
export function heldBody(body: Readable): () => Readable {
  let early: Error | null = null;
  const failed = (err: Error) => (early ??= err);
  const closed = () => {
    if (!body.readableEnded) early ??= new Error('request body ended before it was complete');
  };
  body.once('error', failed);
  body.once('close', closed);
  return () => {
    body.off('error', failed);
    body.off('close', closed);
    const out = detachedBody(body);
    if (early) out.destroy(early);
    return out;
  };
}
