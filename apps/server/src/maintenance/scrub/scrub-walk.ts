import { EMPTY_SHA256, type Sha256 } from '@app/contracts';
import type { BlobEntry, BlobRegistry } from '@app/metadata';
import type { BlobStat, BlobStore } from '@app/storage';

/** Registry entries asked for at once. */
const PAGE = 1000;

/** One digest of a scrub's walk: what the store lists of it, and its registry entry when that says it must be stored. */
export interface ScrubItem {
  sha256: Sha256;
  /** The store's listing of it (loose or packed), or null when it lists none. */
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
 * Every digest that is stored or must be stored, strictly after `after`, in ascending order: the store's listing
 * (loose blobs and pack entries together) merged with the registry's entries, a page of each at a time, so that
 * memory stays the same for ten blobs or ten million. A digest the store holds is read whatever the registry says
 * of it; one the registry wants and the store does not list is looked for again before it is called missing (see
 * BlobChecker), since an upload may have stored and registered it between the two listings.
 */
export async function* scrubWalk(store: BlobStore, registry: BlobRegistry, after: string): AsyncGenerator<ScrubItem> {
  const wanted = requiredEntries(registry, after);
  const listed = store.list(after === '' ? {} : { after: after as Sha256 })[Symbol.asyncIterator]();
  try {
    let a = await wanted.next();
    let b = await listed.next();
    while (!a.done || !b.done) {
      if (b.done || (!a.done && a.value.sha256 < b.value.sha256)) {
        const entry = a.value as BlobEntry;
        yield { sha256: entry.sha256, stored: null, required: entry };
        a = await wanted.next();
      } else if (a.done || b.value.sha256 < a.value.sha256) {
        yield { sha256: b.value.sha256, stored: b.value, required: null };
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
