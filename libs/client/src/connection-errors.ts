import { CONNECT_TIMEOUT } from './node-request';

/** Code of a quick check that got no answer within its deadline. */
export const DEADLINE = 'HOARD_DEADLINE';

/** Connection failures in words. */
const CONNECTION_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'no answer in time',
  [CONNECT_TIMEOUT]: 'no connection in time',
  EPROTO: 'the TLS handshake failed',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another name',
};

/** A connection failure in a few words: `connection refused`, `no answer within 2 s`. */
export function describeConnectionError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string }; deadlineMs?: number };
  if (e.code === DEADLINE) return `no answer within ${(e.deadlineMs ?? 0) / 1000} s`;
  const code = e.code ?? e.cause?.code;
  return (code && CONNECTION_WORDS[code]) ?? code ?? e.message ?? String(err);
}
