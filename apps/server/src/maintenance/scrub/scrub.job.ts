import { Inject, Injectable, Logger } from '@nestjs/common';
import { ByteRateLimit } from '@app/contracts';
import { BLOB_REGISTRY, type BlobRegistry, STATS_READER, type StatsReader } from '@app/metadata';
import { BLOB_STORE, type BlobStore } from '@app/storage';
import { QuarantineService } from '../../blobs/quarantine.service';
import { ServerSettings } from '../../config/server-settings';
import type { JobContext, JobHandler } from '../../jobs/job-handler';
import { MetricsService } from '../../metrics/metrics.service';
import { BlobChecker } from './blob-checker';
import { runInOrder } from './ordered-pool';
import { type ScrubMetrics, scrubMetrics } from './scrub-metrics';
import { parseScrubOptions } from './scrub-options';
import { ScrubTally, type Verdict } from './scrub-tally';
import { type ScrubItem, scrubWalk } from './scrub-walk';

/** Blobs read at once: enough to hide a round trip to S3 behind another read, few enough to keep memory small. */
const CONCURRENCY = 4;

/**
 * The `scrub` job (API.md "Lifecycle"): reads every stored blob whole, loose or packed, and hashes it, and looks
 * for every registered content the store should hold. Content whose bytes are not its digest's (corrupt) or whose
 * copy is gone (missing) goes to quarantine, the one path readers use too: the copy is moved aside, never deleted,
 * never served again; its records show `content_available: false` and the next scan of a host that has it uploads
 * it again. A dry run reports what it would quarantine and changes nothing.
 *
 * The walk is in digest order with a page of the registry and of the store's listing in memory, a few blobs read
 * at once at the job's byte rate. Its checkpoint (the last digest done and the totals so far) is saved every
 * thousand blobs or two seconds: a scrub resumed after a restart reads only what
 * follows, and its totals are those of one whole pass. Cancellation is honoured between blobs (and during a read,
 * which changes nothing).
 */
@Injectable()
export class ScrubJob implements JobHandler {
  readonly type = 'scrub' as const;
  private readonly logger = new Logger('Scrub');
  private readonly metrics: ScrubMetrics;
  /**
   * A checkpoint is saved after this many blobs or this many milliseconds, whichever comes first, and after every
   * finding (so that a resumed scrub still reports it). A save is one small write of the job's record.
   */
  checkpointEvery = { blobs: 1000, ms: 2000 };

  constructor(
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    @Inject(BLOB_REGISTRY) private readonly registry: BlobRegistry,
    @Inject(STATS_READER) private readonly stats: StatsReader,
    private readonly quarantine: QuarantineService,
    private readonly settings: ServerSettings,
    metrics: MetricsService,
  ) {
    this.metrics = scrubMetrics(metrics);
  }

  parseOptions(options: Record<string, unknown>): Record<string, unknown> {
    return { ...parseScrubOptions(options, this.settings.scrubMaxBytesPerSecond) };
  }

  async run(context: JobContext): Promise<Record<string, unknown>> {
    const { max_bytes_per_second: rate } = parseScrubOptions(context.options, this.settings.scrubMaxBytesPerSecond);
    const resumed = context.checkpoint === null ? null : ScrubTally.resume(context.checkpoint);
    if (context.checkpoint !== null && !resumed) this.logger.warn(`scrub ${context.jobId}: its checkpoint is unreadable; starting over`);
    const tally = resumed ?? ScrubTally.fresh();
    this.logger.log(
      `scrub ${context.jobId} ${resumed ? `continues after ${tally.after} (${tally.blobsChecked} blobs checked before)` : 'starts'}` +
        `${context.dryRun ? ', dry run' : ''}, ${rate > 0 ? `at most ${rate} bytes/s` : 'no rate limit'}`,
    );
    const checker = new BlobChecker({
      store: this.store,
      registry: this.registry,
      limit: rate > 0 ? new ByteRateLimit(rate) : null,
      signal: context.signal,
    });
    let total = await this.registeredBlobs();
    let saved = { blobs: tally.blobsChecked, at: Date.now() };
    context.progress({ done: tally.blobsChecked, total, bytes: tally.bytesChecked });

    const work = async (item: ScrubItem): Promise<Verdict> => {
      const verdict = await checker.check(item);
      if ((verdict.kind === 'corrupt' || verdict.kind === 'missing') && !context.dryRun) {
        await this.quarantine.quarantine(item.sha256, `scrub ${context.jobId} found it ${verdict.kind}: ${verdict.detail}`);
        this.metrics.problems.inc({ problem: verdict.kind });
      }
      return verdict;
    };
    const fold = async (item: ScrubItem, verdict: Verdict): Promise<void> => {
      tally.add(item.sha256, verdict);
      if (verdict.kind !== 'skipped') this.metrics.blobs.inc();
      if (verdict.kind === 'ok' || verdict.kind === 'corrupt') this.metrics.bytes.inc(verdict.bytes);
      if (total !== undefined && tally.blobsChecked > total) total = tally.blobsChecked;
      context.progress({ done: tally.blobsChecked, total, bytes: tally.bytesChecked });
      const found = verdict.kind === 'corrupt' || verdict.kind === 'missing';
      if (found || tally.blobsChecked - saved.blobs >= this.checkpointEvery.blobs || Date.now() - saved.at >= this.checkpointEvery.ms) {
        await context.saveCheckpoint(tally.checkpoint());
        saved = { blobs: tally.blobsChecked, at: Date.now() };
      }
    };
    try {
      await runInOrder(scrubWalk(this.store, this.registry, tally.after), { concurrency: CONCURRENCY, signal: context.signal }, work, fold);
    } catch (error) {
      // Stopped (a shutdown hands the job back to the queue): what was folded is a prefix of the walk, worth saving
      // so that the next attempt does not read it again. A save refused (the lease went elsewhere) changes nothing.
      if (context.signal.aborted) await context.saveCheckpoint(tally.checkpoint()).catch(() => undefined);
      throw error;
    }

    // Now the total is known exactly (the count at the start also holds content that is never stored, the empty one).
    context.progress({ done: tally.blobsChecked, total: tally.blobsChecked, bytes: tally.bytesChecked });
    const result = tally.result();
    this.metrics.lastProblems.set({ problem: 'corrupt' }, result.corrupt_count as number);
    this.metrics.lastProblems.set({ problem: 'missing' }, result.missing_count as number);
    this.logger.log(
      `scrub ${context.jobId} done: ${tally.blobsChecked} blobs, ${tally.bytesChecked} bytes checked; ` +
        `${String(result.corrupt_count)} corrupt, ${String(result.missing_count)} missing${context.dryRun ? ' (dry run: nothing quarantined)' : ''}`,
    );
    return result;
  }

  /** Registered content that should be stored, for the progress's `total`; unknown when the count fails. */
  private async registeredBlobs(): Promise<number | undefined> {
    try {
      return (await this.stats.stats()).blobs;
    } catch (error) {
      this.logger.warn(`scrub: the number of blobs is unknown (${String(error)})`);
      return undefined;
    }
  }
}
