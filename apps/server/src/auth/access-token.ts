import { HoardError } from '@app/contracts';
import type { KeyRecord } from '@app/metadata';
import { createDecoder, createSigner, createVerifier, TOKEN_ERROR_CODES } from 'fast-jwt';

/**
 * Short-lived bearer tokens derived from an API key, for clients that log in with a password (PutPlace's client):
 * a JWT (HS256) naming the key (`kid`, `sub`) and its expiry, signed with the key's stored hash. Verifying one needs
 * no state besides the key's record: a token is refused once its key is revoked, expires, or the token's own expiry
 * passed. (Whoever can read the key records can mint tokens for them, as with any secret kept by the server.)
 */

const ALGORITHM = 'HS256';
const decode = createDecoder({ complete: true });
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A signed token and when it expires. */
export interface AccessToken {
  token: string;
  expiresAt: Date;
}

/** A token for `key`, valid `ttlSeconds` from `now`, never past the key's own expiry. */
export function signAccessToken(key: KeyRecord, ttlSeconds: number, now: Date): AccessToken {
  const ends = Math.min(now.getTime() + ttlSeconds * 1000, key.expires_at?.getTime() ?? Infinity);
  const exp = Math.floor(ends / 1000);
  const sign = createSigner({ key: key.hash, algorithm: ALGORITHM, kid: key.id, clockTimestamp: now.getTime() });
  return { token: sign({ sub: key.id, exp }), expiresAt: new Date(exp * 1000) };
}

/** The key id a presented secret names when it is a token of ours; null for anything else (an API key). */
export function accessTokenKeyId(secret: string): string | null {
  if (!TOKEN_SHAPE.test(secret)) return null;
  try {
    const { header } = decode(secret) as { header: { alg?: unknown; kid?: unknown } };
    return header.alg === ALGORITHM && typeof header.kid === 'string' && header.kid.length > 0 ? header.kid : null;
  } catch {
    return null;
  }
}

/**
 * Checks a token against the record of the key it names: its signature (by the key's hash), its subject and its
 * expiry. The key's own state (revoked, expired) is the caller's to check.
 * @throws HoardError unauthorized
 */
export function verifyAccessToken(token: string, key: KeyRecord, now: Date): void {
  const verify = createVerifier({
    key: key.hash,
    algorithms: [ALGORITHM],
    allowedSub: key.id,
    requiredClaims: ['exp', 'sub'],
    clockTimestamp: now.getTime(),
  });
  try {
    verify(token);
  } catch (err) {
    if ((err as { code?: unknown }).code === TOKEN_ERROR_CODES.expired) {
      throw new HoardError('unauthorized', 'This token has expired; log in again');
    }
    throw new HoardError('unauthorized', 'Unknown API key or token');
  }
}
