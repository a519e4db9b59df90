import { Logger } from '@nestjs/common';
import type { Sha256 } from '@app/contracts';
import { type BlobRegistry } from '@app/metadata';
import { type ContentScan, digestAll, type PackEntry } from '@app/storage';
import type { QuarantineService } from '../../blobs/quarantine.service';
import type { JobContext } from '../../jobs/job-handler';
import type { BlobChecker } from './blob-checker';
import { runInOrder } from './ordered-pool';
import type { ScrubMetrics } from './scrub-metrics';
import type { ScrubTally, Verdict } from './scrub-tally';
import { type ScrubItem, scrubWalk } from './scrub-walk';

/** Loose blobs read at once: enough to hide a round trip to S3 behind another read, few enough to keep memory small. */
const LOOSE_AT_ONCE = 4;
/** Bytes of pack entries hashed per call on the thread pool (hundreds of small entries per call). */
const WINDOW_BYTES = 1024 * 1024;
/** Windows of a pack under way at once: one being read while the ones before it are hashed, on two cores. */
const WINDOWS_AT_ONCE = 3;
/** Entries of a pack whose sequential read failed, looked at one by one, at once. */
const RECHECKS_AT_ONCE = 4;

/** What one scrub needs beside its tally. */
export interface ScrubRunOptions {
  context: JobContext;
  scan: ContentScan;
  registry: BlobRegistry;
  checker: BlobChecker;
  quarantine: QuarantineService;
  metrics: ScrubMetrics;
  logger: Logger;
  /** Registered content to check, when known (the progress's `total`). */
  total: number | undefined;
  /** A checkpoint is saved after this many blobs or this many milliseconds, and after every finding. */
  checkpointEvery: { blobs: number; ms: number };
}

/** A window of a pack read in one pass, or entries its read could not reach (`bytes: null`: read one by one). */
type PackItem = { packId: string; entries: PackEntry[]; bytes: Buffer[] | null };

/**
 * One attempt at a scrub, from its tally's position: the packs in id order, each in one sequential read whose
 * entries are hashed many at a time on the thread pool, then the loose blobs in digest order, a few at once.
 * Results are counted in the walk's order (runInOrder), so that a checkpoint is always a prefix of the walk.
 */
export class ScrubRun {
  private saved: { blobs: number; at: number };
  private total: number | undefined;

  constructor(
    private readonly tally: ScrubTally,
    private readonly options: ScrubRunOptions,
  ) {
    this.saved = { blobs: tally.blobsChecked, at: Date.now() };
    this.total = options.total;
  }

  async run(): Promise<void> {
    const { context } = this.options;
    context.progress({ done: this.tally.blobsChecked, total: this.total, bytes: this.tally.bytesChecked });
    if (this.tally.position.stage === 'packs') {
      for (const packId of await this.options.scan.packIds()) {
        const at = this.tally.position;
        if (at.stage !== 'packs' || packId < at.pack) continue;
        const entries = await this.options.scan.entriesOf(packId);
        await this.pack(packId, packId === at.pack ? entries.filter((entry) => entry.offset > at.offset) : entries);
      }
      this.tally.packsDone();
    }
    const at = this.tally.position;
    await runInOrder(
      scrubWalk(this.options.scan, this.options.registry, at.stage === 'loose' ? at.after : ''),
      { concurrency: LOOSE_AT_ONCE, signal: context.signal },
      (item: ScrubItem) => this.settle(item.sha256, this.options.checker.check(item)),
      (item, verdict) => this.count(item.sha256, verdict, { after: item.sha256 }),
    );
  }

  /** One pack: its windows hashed a few at once, counted entry by entry in offset order. */
  private async pack(packId: string, entries: PackEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const { signal } = this.options.context;
    await runInOrder(
      this.packItems(packId, entries),
      { concurrency: WINDOWS_AT_ONCE, signal },
      (item) => this.checkPackItem(item),
      async (item, verdicts) => {
        for (const [i, entry] of item.entries.entries())
          await this.count(entry.sha256, verdicts[i], { pack: packId, offset: entry.offset });
      },
    );
  }

  /**
   * The windows of one sequential read of the pack; when that read fails (the pack was rewritten and removed since
   * its entries were listed, a network error part way), the entries it did not reach, each to be read on its own.
   */
  private async *packItems(packId: string, entries: PackEntry[]): AsyncGenerator<PackItem> {
    const { scan, checker, context, logger } = this.options;
    let handed = 0;
    try {
      for await (const window of scan.readEntries(packId, entries, WINDOW_BYTES, checker.pace)) {
        handed += window.entries.length;
        yield window;
      }
      return;
    } catch (error) {
      if (context.signal.aborted) throw error;
      logger.warn(
        `scrub ${context.jobId}: pack ${packId} could not be read in one pass (${String(error)}); its other entries are read one by one`,
      );
    }
    const rest = [...entries].sort((a, b) => a.offset - b.offset).slice(handed);
    for (let i = 0; i < rest.length; i += RECHECKS_AT_ONCE) yield { packId, entries: rest.slice(i, i + RECHECKS_AT_ONCE), bytes: null };
  }

  /**
   * Each entry of a window is sound when its bytes are as long as the entry and hash to its digest. One that is not
   * (or was not read) is looked at again through the store, as a reader would read it: the verdict, and the
   * quarantine, are for what the index points at now.
   */
  private async checkPackItem(item: PackItem): Promise<Verdict[]> {
    const { checker } = this.options;
    const recheck = (entry: PackEntry) => this.settle(entry.sha256, checker.recheck(entry.sha256, entry.length));
    if (!item.bytes) return Promise.all(item.entries.map(recheck));
    const digests = await digestAll(item.bytes);
    const verdicts: Verdict[] = [];
    // One at a time: a pack cut short leaves every entry past its end to look at again.
    for (const [i, entry] of item.entries.entries()) {
      const sound = item.bytes[i].length === entry.length && digests[i] === entry.sha256;
      verdicts.push(sound ? { kind: 'ok', bytes: entry.length } : await recheck(entry));
    }
    return verdicts;
  }

  /** Quarantines what a verdict found (not in a dry run). */
  private async settle(sha256: Sha256, checking: Promise<Verdict>): Promise<Verdict> {
    const { context, quarantine, metrics } = this.options;
    const verdict = await checking;
    if ((verdict.kind === 'corrupt' || verdict.kind === 'missing') && !context.dryRun) {
      await quarantine.quarantine(sha256, `scrub ${context.jobId} found it ${verdict.kind}: ${verdict.detail}`);
      metrics.problems.inc({ problem: verdict.kind });
    }
    return verdict;
  }

  /** Counts a verdict at its place in the walk; reports progress, and saves a checkpoint when one is due. */
  private async count(sha256: string, verdict: Verdict, at: { pack: string; offset: number } | { after: string }): Promise<void> {
    const { context, metrics, checkpointEvery } = this.options;
    const tally = this.tally;
    tally.add(sha256, verdict, at);
    if (verdict.kind !== 'skipped') metrics.blobs.inc();
    if (verdict.kind === 'ok' || verdict.kind === 'corrupt') metrics.bytes.inc(verdict.bytes);
    if (this.total !== undefined && tally.blobsChecked > this.total) this.total = tally.blobsChecked;
    context.progress({ done: tally.blobsChecked, total: this.total, bytes: tally.bytesChecked });
    const found = verdict.kind === 'corrupt' || verdict.kind === 'missing';
    if (found || tally.blobsChecked - this.saved.blobs >= checkpointEvery.blobs || Date.now() - this.saved.at >= checkpointEvery.ms) {
      await context.saveCheckpoint(tally.checkpoint());
      this.saved = { blobs: tally.blobsChecked, at: Date.now() };
    }
  }
}
