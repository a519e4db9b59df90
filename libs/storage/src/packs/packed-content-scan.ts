import type { Sha256 } from '@app/contracts';
import type { BlobStat, BlobStore } from '../blob-store';
import { type ContentScan, type EntryWindow, looseContentScan, type Pace, type StoredDigest } from '../content-scan';
import type { PackFiles } from './pack-files';
import type { PackEntry, PackIndex } from './pack-index';
import { packWindows } from './pack-windows';

/** The ContentScan of a PackedBlobStore: its pack index and pack files, and the loose store it wraps. */
export class PackedContentScan implements ContentScan {
  private readonly loose: ContentScan;

  constructor(
    private readonly index: PackIndex,
    private readonly files: PackFiles,
    loose: BlobStore,
  ) {
    this.loose = looseContentScan(loose);
  }

  async packIds(): Promise<string[]> {
    return (await this.index.packs()).map((pack) => pack.id).sort();
  }

  entriesOf(packId: string): Promise<PackEntry[]> {
    return this.index.entriesOf(packId);
  }

  readEntries(packId: string, entries: PackEntry[], windowBytes: number, pace?: Pace): AsyncIterable<EntryWindow> {
    return packWindows(this.files, packId, entries, windowBytes, pace);
  }

  async packed(sha256s: Sha256[]): Promise<Set<string>> {
    if (sha256s.length === 0) return new Set();
    return new Set((await this.index.lookupMany(sha256s)).keys());
  }

  listLoose(after?: Sha256): AsyncIterable<BlobStat> {
    return this.loose.listLoose(after);
  }

  hashLoose(sha256: Sha256, pace?: Pace): Promise<StoredDigest> {
    return this.loose.hashLoose(sha256, pace);
  }
}
