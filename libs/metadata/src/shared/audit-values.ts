import type { AuditEntry, AuditFilter, AuditPage, AuditQuery } from '../audit-store';
import { decodeCursor } from './page-cursor';

/** Digits of the time at the start of an entry id: milliseconds up to the year 2286. */
const TIME_DIGITS = 13;

/** The id of an entry: its time (13 digits), its chain and its sequence number (12 digits), so that ids sort by time. */
export function auditEntryId(at: Date, chain: string, seq: number): string {
  return `${String(at.getTime()).padStart(TIME_DIGITS, '0')}-${chain}-${String(seq).padStart(12, '0')}`;
}

/** The ids of the entries from `since` (inclusive) to `until` (exclusive), as bounds of a range of ids. */
export function auditIdRange(filter: AuditFilter): { from?: string; to?: string } {
  const bound = (date: Date) => String(date.getTime()).padStart(TIME_DIGITS, '0');
  return { from: filter.since ? bound(filter.since) : undefined, to: filter.until ? bound(filter.until) : undefined };
}

const ENTRY_ID = /^\d{13}-[A-Za-z0-9_.:-]{1,200}-\d{12}$/;

/** The id inside a listing cursor. @throws HoardError `invalid_request` for a cursor this store did not make. */
export function auditCursorId(cursor: string): string {
  return decodeCursor(cursor, (id) => ENTRY_ID.test(id));
}

/** The index keys of an entry's targets: each digest, host and bucket once (the filters that name a target). */
export function auditTargetKeys(entry: Pick<AuditEntry, 'targets'>): string[] {
  const keys = new Set<string>();
  for (const target of entry.targets) {
    if ('sha256' in target) keys.add(`sha256:${target.sha256}`);
    else if ('filepath' in target) keys.add(`host:${target.hostname}`);
    else if ('bucket' in target) keys.add(`bucket:${target.bucket}`);
  }
  return [...keys];
}

/** The index key a filter names, if any: a digest rather than a host or bucket (it is the most selective). */
export function auditFilterKeys(filter: AuditFilter): string[] {
  const keys: string[] = [];
  if (filter.sha256 !== undefined) keys.push(`sha256:${filter.sha256}`);
  if (filter.hostname !== undefined) keys.push(`host:${filter.hostname}`);
  if (filter.bucket !== undefined) keys.push(`bucket:${filter.bucket}`);
  return keys;
}

/** Every entry of a filter, a page at a time through `list`. */
export async function* streamAuditPages(
  list: (query: AuditQuery) => Promise<AuditPage>,
  filter: AuditFilter,
  pageSize = 500,
): AsyncIterable<AuditEntry> {
  let cursor: string | undefined;
  do {
    const page = await list({ ...filter, limit: pageSize, cursor });
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
