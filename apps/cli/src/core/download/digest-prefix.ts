import { HoardError, ListFilesQuery } from '@app/contracts';
import type { HoardClient } from '@app/client';

/** The shortest digest prefix taken, as git takes abbreviated object names. */
export const MIN_DIGEST_PREFIX = 8;

/** What a digest lookup asks of the server: its listing of records. */
export type DigestLookupClient = Pick<HoardClient, 'iterateFiles'>;

/**
 * The full digest a user means: 64 hex characters as they are, or a unique prefix of 8 or more, looked for among the
 * digests of the records the server lists (deleted ones included), since the API takes full digests only. The
 * records of `hostname` (this host) are looked at first, and those of every host only when none of them has the
 * prefix: a host's own records are a fraction of the store, and the content a user names is mostly its own.
 * @throws HoardError invalid_digest for anything else, not_found when no record has it, invalid_request naming the
 * candidates when several have it
 */
export async function resolveDigest(client: DigestLookupClient, input: string, hostname?: string): Promise<string> {
  const text = input.trim().toLowerCase();
  if (/^[0-9a-f]{64}$/.test(text)) return text;
  if (!new RegExp(`^[0-9a-f]{${MIN_DIGEST_PREFIX},63}$`).test(text)) {
    throw new HoardError(
      'invalid_digest',
      `"${input}" is not a digest: give its 64 hexadecimal characters or at least the first ${MIN_DIGEST_PREFIX}`,
    );
  }
  let found = hostname === undefined ? new Set<string>() : await digestsStarting(client, text, { hostname, include_deleted: true });
  if (found.size === 0) found = await digestsStarting(client, text, { include_deleted: true });
  if (found.size === 1) return [...found][0];
  if (found.size === 0) throw new HoardError('not_found', `no recorded content has a digest starting with ${text}`);
  const candidates = [...found].sort();
  throw new HoardError(
    'invalid_request',
    `the digest prefix ${text} is ambiguous; it starts ${candidates.length} digests:\n  ${candidates.join('\n  ')}`,
    {
      details: { candidates },
    },
  );
}

/** The distinct digests starting with `prefix` among the records the query lists. */
async function digestsStarting(client: DigestLookupClient, prefix: string, query: ListFilesQuery): Promise<Set<string>> {
  const found = new Set<string>();
  for await (const record of client.iterateFiles(query)) {
    if (record.sha256.startsWith(prefix)) found.add(record.sha256);
  }
  return found;
}
