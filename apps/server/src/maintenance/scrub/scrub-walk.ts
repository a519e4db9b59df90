import { EMPTY_SHA256, type Sha256 } from '@app/contracts';
import type { BlobEntry, BlobRegistry } from '@app/metadata';
import type { BlobStat, ContentScan } from '@app/storage';

/** Registry entries asked for at once, and digests of the walk asked of the pack index at once. */
const PAGE = 1000;

/** One digest of a scrub's loose walk: what the store lists of it, and its registry entry when that says it must be stored. */
export interface ScrubItem {
  sha256: Sha256;
  /** The store's listing of its loose copy, or null when it lists none. */
  stored: BlobStat | null;
  /** Its registry entry when the content must be stored (see {@link mustBeStored}), else null. */
  required: BlobEntry | null;
}

/**
 * Content the store must hold: registered, not taken down, not quarantined already, and not the empty content
 * (never stored, always available).
 */
export function mustBeStored(entry: BlobEntry): boolean {
  return !entry.deleted_at && !entry.quarantined_at && entry.size > 0 && entry.sha256 !== EMPTY_SHA256;
}

/**
 * The loose stage of a scrub: every digest strictly after `after`, in ascending order, that has a loose copy or must
 * be stored, and is not packed (the packs stage read its packed copy, which readers take before a loose one; content
 * packed since was verified as it was stored). The store's loose listing is merged with the registry's entries, a
 * page of each at a time, so that memory stays the same for ten blobs or ten million. A loose copy is read whatever
 * the registry says of it; a digest the registry wants and the store does not list is looked for again before it
 * is called missing (see BlobChecker), since an upload may have stored and registered it between the two listings.
 */
export async function* scrubWalk(scan: ContentScan, registry: BlobRegistry, after: string): AsyncGenerator<ScrubItem> {
  let page: ScrubItem[] = [];
  const unpacked = async function* () {
    const packed = await scan.packed(page.map((item) => item.sha256));
    for (const item of page) if (!packed.has(item.sha256)) yield item;
    page = [];
  };
  for await (const item of merged(scan, registry, after)) {
    page.push(item);
    if (page.length === PAGE) yield* unpacked();
  }
  yield* unpacked();
}

async function* merged(scan: ContentScan, registry: BlobRegistry, after: string): AsyncGenerator<ScrubItem> {
  const wanted = requiredEntries(registry, after);
  const listed = scan.listLoose(after === '' ? undefined : (after as Sha256))[Symbol.asyncIterator]();
  try {
    let a = await wanted.next();
    let b = await listed.next();
    while (!a.done || !b.done) {
      if (b.done || (!a.done && a.value.sha256 < b.value.sha256)) {
        const entry = a.value as BlobEntry;
        yield { sha256: entry.sha256, stored: null, required: entry };
        a = await wanted.next();
      } else if (a.done || b.value.sha256 < a.value.sha256) {
        yield { sha256: b.value.sha256, stored: b.value as BlobStat, required: null };
        b = await listed.next();
      } else {
        yield { sha256: a.value.sha256, stored: b.value, required: a.value };
        a = await wanted.next();
        b = await listed.next();
      }
    }
  } finally {
    await listed.return?.();
  }
}

async function* requiredEntries(registry: BlobRegistry, after: string): AsyncGenerator<BlobEntry> {
  for (let from = after; ;) {
    const page = await registry.listBlobs(from, PAGE);
    for (const entry of page) if (mustBeStored(entry)) yield entry;
    if (page.length < PAGE) return;
    from = page[page.length - 1].sha256;
  }
}
