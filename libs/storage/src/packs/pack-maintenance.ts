import { createHash } from 'node:crypto';
import type { Sha256 } from '@app/contracts';
import type { BlobStat, BlobStore } from '../blob-store';
import type { PackFiles } from './pack-files';
import type { PackEntry, PackIndex, PackInfo } from './pack-index';
import type { PackWriter } from './pack-writer';

/** DI token of the configured {@link PackMaintenance}. */
export const PACK_MAINTENANCE = Symbol('PACK_MAINTENANCE');

/** What rewriting one pack did. */
export interface PackRewrite {
  /** Entries copied into the open pack (moved there, unless removed meanwhile), and their bytes. */
  moved: number;
  movedBytes: number;
  /** Entries whose bytes did not hash to their digest: handed to `onCorrupt`, never copied. */
  corrupt: Sha256[];
  /** True once the old pack is out of the index and its file removed (false: stopped early, or entries remain). */
  dropped: boolean;
}

/** Pack files removed (or that would be) and their bytes. */
export interface StrayPacks {
  packs: number;
  bytes: number;
}

/**
 * Garbage collection's work on packs, beside the BlobStore port: reclaiming the dead bytes of packs (content removed
 * or quarantined leaves its bytes in its pack), loose copies that a packed copy shadows, and pack files no commit
 * ever made visible.
 */
export interface PackMaintenance {
  /** Every pack with its committed end and live share. */
  packs(): Promise<PackInfo[]>;
  /** The packed entries of these digests (their bytes become dead once the content is removed). */
  lookupMany(sha256s: Sha256[]): Promise<Map<string, PackEntry>>;
  /**
   * Rewrites a sealed pack as restic's prune does: its live entries are read, verified and appended through the
   * PackWriter (committed as moves into the open pack), then the old pack is dropped from the index and its file
   * removed. Readers stay correct: an entry points at its old place until its move is committed, and a read that
   * resolved the old place after the file is gone looks the entry up again. Stops between batches once `signal`
   * is aborted, leaving the old pack in place (its moved entries are then dead bytes in it).
   * @param onCorrupt takes an entry found corrupt out of service (quarantine) before the old pack is dropped
   */
  rewrite(packId: string, onCorrupt: (sha256: Sha256) => Promise<void>, signal?: AbortSignal): Promise<PackRewrite>;
  /** Loose copies of content that is also packed (reads take the packed copy), in digest order. */
  shadowedLoose(): AsyncIterable<BlobStat>;
  /** Removes the loose copy of `sha256` if its content is still packed; true when one was removed. */
  removeShadow(sha256: Sha256): Promise<boolean>;
  /** Removes pack files the index does not know that were last written before `before` (ms); counts only when `dryRun`. */
  removeStrayPacks(before: number, dryRun: boolean): Promise<StrayPacks>;
}

/** Bytes of a pack a rewrite reads at once (its copies then share flushes), and entries. */
const BATCH_BYTES = 8 * 1024 * 1024;
const BATCH_ENTRIES = 256;
const PAGE = 1000;

/** The PackMaintenance of a PackedBlobStore: its index, its pack files, its writer, and the loose store it wraps. */
export class PackMaintainer implements PackMaintenance {
  constructor(
    private readonly index: PackIndex,
    private readonly files: PackFiles,
    private readonly writer: PackWriter,
    private readonly loose: BlobStore,
  ) {}

  packs(): Promise<PackInfo[]> {
    return this.index.packs();
  }

  lookupMany(sha256s: Sha256[]): Promise<Map<string, PackEntry>> {
    return this.index.lookupMany(sha256s);
  }

  async rewrite(packId: string, onCorrupt: (sha256: Sha256) => Promise<void>, signal?: AbortSignal): Promise<PackRewrite> {
    const outcome: PackRewrite = { moved: 0, movedBytes: 0, corrupt: [], dropped: false };
    const entries = await this.index.entriesOf(packId);
    for (let start = 0; start < entries.length;) {
      if (signal?.aborted) return outcome;
      // One read per batch: entries in offset order, as long as their span stays small (a lone large entry is one).
      const from = entries[start].offset;
      let end = start + 1;
      while (end < entries.length && end - start < BATCH_ENTRIES && entries[end].offset + entries[end].length - from <= BATCH_BYTES) end++;
      const batch = entries.slice(start, end);
      start = end;
      const last = batch[batch.length - 1];
      const span = await this.files.readBytes(packId, from, last.offset + last.length - from);
      const copies: Array<Promise<void>> = [];
      for (const entry of batch) {
        const bytes = span.subarray(entry.offset - from, entry.offset - from + entry.length);
        if (bytes.length !== entry.length || createHash('sha256').update(bytes).digest('hex') !== entry.sha256) {
          outcome.corrupt.push(entry.sha256);
          continue;
        }
        const moved = () => void ((outcome.moved += 1), (outcome.movedBytes += entry.length));
        copies.push(this.writer.relocate(entry, [bytes]).then(moved));
      }
      // The copies of a batch share flushes; one that failed leaves its entry in the old pack, which then stays.
      await Promise.all(copies);
    }
    for (const sha256 of outcome.corrupt) await onCorrupt(sha256);
    if ((await this.index.entriesOf(packId)).length > 0) return outcome;
    await this.index.dropPack(packId);
    await this.files.remove(packId);
    outcome.dropped = true;
    return outcome;
  }

  async *shadowedLoose(): AsyncIterable<BlobStat> {
    let page: BlobStat[] = [];
    for await (const blob of this.loose.list()) {
      page.push(blob);
      if (page.length === PAGE) {
        yield* await this.packedOf(page);
        page = [];
      }
    }
    yield* await this.packedOf(page);
  }

  async removeShadow(sha256: Sha256): Promise<boolean> {
    return (await this.index.lookup(sha256)) !== null && this.loose.delete(sha256);
  }

  async removeStrayPacks(before: number, dryRun: boolean): Promise<StrayPacks> {
    // The index is read before the files are listed: a pack committed in between is younger than `before`.
    const known = new Set((await this.index.packs()).map((pack) => pack.id));
    const removed: StrayPacks = { packs: 0, bytes: 0 };
    for (const file of await this.files.list()) {
      if (known.has(file.id) || file.modifiedAt >= before) continue;
      if (!dryRun && !(await this.files.remove(file.id))) continue;
      removed.packs += 1;
      removed.bytes += file.size;
    }
    return removed;
  }

  private async packedOf(page: BlobStat[]): Promise<BlobStat[]> {
    if (page.length === 0) return [];
    const packed = await this.index.lookupMany(page.map((blob) => blob.sha256));
    return page.filter((blob) => packed.has(blob.sha256));
  }
}

/** The PackMaintenance of a blob store without packs (the specs' in-memory store): nothing to do. */
export const NO_PACKS: PackMaintenance = {
  packs: async () => [],
  lookupMany: async () => new Map(),
  rewrite: async () => ({ moved: 0, movedBytes: 0, corrupt: [], dropped: false }),
  shadowedLoose: async function* () {},
  removeShadow: async () => false,
  removeStrayPacks: async () => ({ packs: 0, bytes: 0 }),
};
