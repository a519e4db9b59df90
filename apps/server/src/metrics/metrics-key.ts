import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether an `Authorization` header carries the metrics key as a bearer token, compared in constant time (both sides
 * hashed first, so neither the key's length nor its bytes show in the timing). No key configured: always.
 */
export function metricsKeyAllows(expected: string | undefined, authorization: string | string[] | undefined): boolean {
  if (expected === undefined) return true;
  const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return timingSafeEqual(digest(match?.[1] ?? ''), digest(expected)) && match !== null;
}

/** The `WWW-Authenticate` challenge of a refused scrape. */
export const METRICS_CHALLENGE = 'Bearer realm="metrics"';
