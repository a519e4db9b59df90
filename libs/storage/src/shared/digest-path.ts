import { normalizeSha256, type Sha256 } from '@app/contracts';

/**
 * A digest with its two-character fan-out prefix. Checked once more although typed: a path or key is built from
 * it, and an untyped caller must not get one made of anything but a digest.
 */
export function digestParts(sha256: Sha256): { sha: Sha256; prefix: string } {
  const sha = normalizeSha256(sha256);
  return { sha, prefix: sha.slice(0, 2) };
}
