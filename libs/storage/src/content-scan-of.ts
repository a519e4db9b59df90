import type { BlobStore } from './blob-store';
import { type ContentScan, looseContentScan } from './content-scan';
import { PackedBlobStore } from './packs/packed-blob-store';

/** How a scrub reads everything `store` holds: its packs and its loose blobs when it packs, else its blobs. */
export function contentScanOf(store: BlobStore): ContentScan {
  return store instanceof PackedBlobStore ? store.contentScan() : looseContentScan(store);
}
