import { HoardError, type Sha256 } from '@app/contracts';
import type { Readable } from 'node:stream';
import type { BlobStat, BlobStore, ByteRange, ListOptions, PutOptions, PutResult } from '../blob-store';
import type { ContentScan } from '../content-scan';
import { digestParts } from '../shared/digest-path';
import { checkPutOptions } from '../shared/hashing-meter';
import { verifyBody } from '../shared/verify-body';
import { mergedListing } from './merged-listing';
import type { PackFiles } from './pack-files';
import type { PackIndex } from './pack-index';
import { type PackMaintenance, PackMaintainer } from './pack-maintenance';
import { PackedContentScan } from './packed-content-scan';
import { PackWriter } from './pack-writer';
import { readPackedEntry } from './packed-read';
import { ByteBudget, readSmallBody } from './small-body';

/** Packs are sealed at 32 MiB: 100,000 files of 2 KiB fill 7 of them. */
const PACK_SIZE = 32 * 1024 * 1024;
/** Small bodies held in memory at once, all uploads together, until their flush. */
const MEMORY_BUDGET = 64 * 1024 * 1024;

export interface PackedBlobStoreOptions {
  /** Where content of `threshold` bytes or more goes, and where content stored before packs existed stays. */
  loose: BlobStore;
  index: PackIndex;
  files: PackFiles;
  /** Content under this many bytes is packed (content of unknown size is read up to it to find out); 0: none. */
  threshold: number;
  packSize?: number;
  memoryBudget?: number;
}

/**
 * The BlobStore port over packs and a loose store: small content is appended to packs by a group-committing
 * {@link PackWriter}, larger content goes to the loose store as before. Reads look in the pack index first, then in
 * the loose store, so a data directory written before packs keeps being served. A digest is stored once, packed or
 * loose, whichever came first: a later upload of it is verified and answered `created: false`. Deleting or
 * quarantining packed content forgets its index entry; its bytes stay in the pack until GC rewrites the pack.
 */
export class PackedBlobStore implements BlobStore {
  readonly kind: string;
  private readonly writer: PackWriter;
  private readonly budget: ByteBudget;
  private readonly maintainer: PackMaintainer;

  constructor(private readonly options: PackedBlobStoreOptions) {
    this.kind = options.loose.kind;
    this.budget = new ByteBudget(options.memoryBudget ?? MEMORY_BUDGET);
    this.writer = new PackWriter({ files: options.files, index: options.index, packSize: options.packSize ?? PACK_SIZE });
    this.maintainer = new PackMaintainer(options.index, options.files, this.writer, options.loose);
  }

  /** Garbage collection's work on these packs (rewrites go through this store's writer). */
  maintenance(): PackMaintenance {
    return this.maintainer;
  }

  /** Prepares the loose store and the index, then cuts every pack back to its committed end (crash recovery). */
  async init(): Promise<void> {
    await this.options.loose.init();
    await this.options.index.init();
    await this.writer.recover();
  }

  async put(sha256: Sha256, body: Readable, options: PutOptions = {}): Promise<PutResult> {
    const { threshold, loose } = this.options;
    try {
      const { sha } = digestParts(sha256);
      checkPutOptions(options);
      if (threshold === 0 || (options.expectedSize !== undefined && options.expectedSize >= threshold)) {
        return await this.putLoose(sha, body, options);
      }
      // Whether it is packed already is asked once the body is read and verified (PackWriter.append); a loose copy
      // is looked for only when the caller's registry knows the digest (else it would be an orphan: see PutOptions).
      if (!options.unregistered && (await loose.stat(sha)))
        return { sha256: sha, size: await verifyBody(sha, body, options), created: false };
      let held = Math.min(options.expectedSize ?? threshold, threshold);
      await this.budget.take(held);
      try {
        const read = await readSmallBody(sha, body, threshold, options);
        if (read.kind === 'large') {
          this.budget.give(held);
          held = 0;
          return await this.putLoose(sha, read.rest, options);
        }
        this.budget.give(held - read.size);
        held = read.size;
        const created = await this.writer.append(sha, read.chunks, read.size, options.unregistered, options.batch);
        return { sha256: sha, size: read.size, created };
      } finally {
        this.budget.give(held);
      }
    } catch (error) {
      body.destroy();
      throw error;
    }
  }

  async stat(sha256: Sha256): Promise<BlobStat | null> {
    const { sha } = digestParts(sha256);
    const entry = await this.options.index.lookup(sha);
    return entry ? { sha256: sha, size: entry.length } : this.options.loose.stat(sha);
  }

  /**
   * A full read of packed content is hashed before its one chunk is handed over (see readPackedEntry). A pack that is
   * gone by the time it is read was rewritten by GC after the lookup: the entry is looked up once more, in its new pack.
   */
  async read(sha256: Sha256, range?: ByteRange): Promise<Readable> {
    const { sha } = digestParts(sha256);
    const entry = await this.options.index.lookup(sha);
    if (!entry) return this.options.loose.read(sha, range);
    try {
      return await readPackedEntry(this.options.files, entry, range);
    } catch (error) {
      if (!(error instanceof HoardError) || error.code !== 'not_found') throw error;
      const moved = await this.options.index.lookup(sha);
      if (!moved || moved.packId === entry.packId) throw error;
      return readPackedEntry(this.options.files, moved, range);
    }
  }

  async delete(sha256: Sha256): Promise<boolean> {
    const { sha } = digestParts(sha256);
    const packed = await this.options.index.remove(sha);
    const loose = await this.options.loose.delete(sha);
    return packed || loose;
  }

  /** Packed entries are forgotten one by one (their bytes stay in their packs until GC); loose copies go together. */
  async deleteMany(sha256s: readonly Sha256[]): Promise<boolean[]> {
    const shas = sha256s.map((sha256) => digestParts(sha256).sha);
    const packed: boolean[] = [];
    for (const sha of shas) packed.push(await this.options.index.remove(sha));
    const loose = await this.options.loose.deleteMany(shas);
    return shas.map((_sha, i) => packed[i] || loose[i]);
  }

  /** Packed content: its entry is forgotten and its bytes stay in the pack, aside from every read, until GC. */
  async quarantine(sha256: Sha256): Promise<boolean> {
    const { sha } = digestParts(sha256);
    const packed = await this.options.index.remove(sha);
    const loose = await this.options.loose.quarantine(sha);
    return packed || loose;
  }

  list(options: ListOptions = {}): AsyncIterable<BlobStat> {
    return mergedListing(this.options.index, this.options.loose.list({ after: options.after }), options);
  }

  /** Everything stored, as a scrub reads it: each pack in one sequential read, then the loose blobs. */
  contentScan(): ContentScan {
    return new PackedContentScan(this.options.index, this.options.files, this.options.loose);
  }

  ping(): Promise<void> {
    return this.options.loose.ping();
  }

  freeBytes(): Promise<number | null> {
    return this.options.loose.freeBytes();
  }

  /** Flushes the appends under way, then closes the packs, the index and the loose store. */
  async close(): Promise<void> {
    await this.writer.close();
    await this.options.index.close();
    await this.options.loose.close();
  }

  /** Large content goes loose, unless it was packed (under an earlier, larger threshold). */
  private async putLoose(sha: Sha256, body: Readable, options: PutOptions): Promise<PutResult> {
    if (await this.options.index.lookup(sha)) return { sha256: sha, size: await verifyBody(sha, body, options), created: false };
    return this.options.loose.put(sha, body, options);
  }
}
