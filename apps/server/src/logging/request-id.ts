import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The longest request id kept from a client; a longer one is cut to this. */
export const REQUEST_ID_MAX = 128;

/** Characters a request id may carry (safe in a header, a log line and a URL); others are dropped. */
const NOT_ALLOWED = /[^A-Za-z0-9._~:@+=/-]/g;

const ids = new WeakMap<IncomingMessage, string>();

/**
 * A client's `X-Request-Id` made safe to echo and log: characters outside the allowed set dropped, cut to
 * {@link REQUEST_ID_MAX}. Null when nothing usable is left (or the header is absent or repeated).
 */
export function sanitizeRequestId(value: string | string[] | undefined): string | null {
  if (typeof value !== 'string') return null;
  const kept = value.replace(NOT_ALLOWED, '').slice(0, REQUEST_ID_MAX);
  return kept.length > 0 ? kept : null;
}

/** The id of a request: the client's `X-Request-Id` (sanitised) or a new UUID; the same for every caller. */
export function requestIdOf(raw: IncomingMessage): string {
  let id = ids.get(raw);
  if (id === undefined) {
    id = sanitizeRequestId(raw.headers['x-request-id']) ?? randomUUID();
    ids.set(raw, id);
  }
  return id;
}
