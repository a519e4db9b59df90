import { normalizeSha256 } from '@app/contracts';

/** Validates a digest and returns it lower-cased with its two-character fan-out prefix. */
export function digestParts(sha256: string): { sha: string; prefix: string } {
  const sha = normalizeSha256(sha256);
  return { sha, prefix: sha.slice(0, 2) };
}
