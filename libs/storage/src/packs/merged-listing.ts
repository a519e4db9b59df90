import type { BlobStat, ListOptions } from '../blob-store';
import type { PackIndex } from './pack-index';

const PAGE = 1000;

/** Packed entries and loose blobs together, in ascending digest order, each digest once; `after` and `limit` as BlobStore.list. */
export async function* mergedListing(index: PackIndex, loose: AsyncIterable<BlobStat>, options: ListOptions): AsyncIterable<BlobStat> {
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  if (left <= 0) return;
  const packed = packedListing(index, options.after?.toLowerCase() ?? '');
  const fromLoose = loose[Symbol.asyncIterator]();
  let a = await packed.next();
  let b = await fromLoose.next();
  while (!a.done || !b.done) {
    let next: BlobStat;
    if (b.done || (!a.done && a.value.sha256 <= b.value.sha256)) {
      next = a.value as BlobStat;
      if (!b.done && b.value.sha256 === next.sha256) b = await fromLoose.next();
      a = await packed.next();
    } else {
      next = b.value;
      b = await fromLoose.next();
    }
    yield next;
    if (--left <= 0) break;
  }
  await fromLoose.return?.();
}

async function* packedListing(index: PackIndex, after: string): AsyncGenerator<BlobStat> {
  for (let from = after; ;) {
    const page = await index.list(from, PAGE);
    for (const entry of page) yield { sha256: entry.sha256, size: entry.length };
    if (page.length < PAGE) return;
    from = page[page.length - 1].sha256;
  }
}
