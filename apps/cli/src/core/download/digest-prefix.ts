import { HoardError } from '@app/contracts';
import type { HoardClient } from '@app/client';

/** The shortest digest prefix taken, as git takes abbreviated object names. */
export const MIN_DIGEST_PREFIX = 8;

/**
 * The full digest a user means: 64 hex characters as they are, or a unique prefix of 8 or more, looked for among the
 * digests of the records the server lists (deleted ones included), since the API takes full digests only.
 * @throws HoardError invalid_digest for anything else, not_found when no record has it, invalid_request naming the
 * candidates when several have it
 */
export async function resolveDigest(client: HoardClient, input: string): Promise<string> {
  const text = input.trim().toLowerCase();
  if (/^[0-9a-f]{64}$/.test(text)) return text;
  if (!new RegExp(`^[0-9a-f]{${MIN_DIGEST_PREFIX},63}$`).test(text)) {
    throw new HoardError('invalid_digest', `"${input}" is not a digest: give its 64 hexadecimal characters or at least the first ${MIN_DIGEST_PREFIX}`);
  }
  const found = new Set<string>();
  for await (const record of client.iterateFiles({ include_deleted: true })) {
    if (record.sha256.startsWith(text)) found.add(record.sha256);
  }
  if (found.size === 1) return [...found][0];
  if (found.size === 0) throw new HoardError('not_found', `no recorded content has a digest starting with ${text}`);
  const candidates = [...found].sort();
  throw new HoardError('invalid_request', `the digest prefix ${text} is ambiguous; it starts ${candidates.length} digests:\n  ${candidates.join('\n  ')}`, {
    details: { candidates },
  });
}
