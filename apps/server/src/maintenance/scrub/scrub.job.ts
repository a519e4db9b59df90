import { Inject, Injectable, Logger } from '@nestjs/common';
import { ByteRateLimit } from '@app/contracts';
import { BLOB_REGISTRY, type BlobRegistry, STATS_READER, type StatsReader } from '@app/metadata';
import { BLOB_STORE, type BlobStore, contentScanOf } from '@app/storage';
import { QuarantineService } from '../../blobs/quarantine.service';
import { ServerSettings } from '../../config/server-settings';
import type { JobContext, JobHandler } from '../../jobs/job-handler';
import { MetricsService } from '../../metrics/metrics.service';
import { BlobChecker } from './blob-checker';
import { type ScrubMetrics, scrubMetrics } from './scrub-metrics';
import { parseScrubOptions } from './scrub-options';
import { ScrubRun } from './scrub-run';
import { ScrubTally } from './scrub-tally';

/**
 * The `scrub` job (API.md "Lifecycle"): reads every stored blob whole, loose or packed, and hashes it, and looks
 * for every registered content the store should hold. Content whose bytes are not its digest's (corrupt) or whose
 * copy is gone (missing) goes to quarantine, the one path readers use too: the copy is moved aside, never deleted,
 * never served again; its records show `content_available: false` and the next scan of a host that has it uploads
 * it again. A dry run reports what it would quarantine and changes nothing.
 *
 * The walk (ScrubRun) reads each pack once, front to back, and hashes its entries from that one read (not through
 * the store's verified reads, which would hash them a second time and, on S3, fetch each with a GET of its own);
 * then the loose blobs in digest order, with a page of the registry and of the store's listing in memory. Hashing
 * runs on libuv's thread pool where the native helpers are built, so that it uses every core while the event loop
 * keeps serving requests. Everything is read at the job's byte rate. Its checkpoint (the position in that walk and
 * the totals so far) is saved every thousand blobs or two seconds: a scrub resumed after a restart reads only what
 * follows, and its totals are those of one whole pass. Cancellation is honoured between blobs and between parts of
 * a pack (and during a read, which changes nothing).
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
      `scrub ${context.jobId} ${resumed ? `continues ${where(tally)} (${tally.blobsChecked} blobs checked before)` : 'starts'}` +
        `${context.dryRun ? ', dry run' : ''}, ${rate > 0 ? `at most ${rate} bytes/s` : 'no rate limit'}`,
    );
    const scan = contentScanOf(this.store);
    const checker = new BlobChecker({
      store: this.store,
      scan,
      registry: this.registry,
      limit: rate > 0 ? new ByteRateLimit(rate) : null,
      signal: context.signal,
    });
    const walk = new ScrubRun(tally, {
      context,
      scan,
      registry: this.registry,
      checker,
      quarantine: this.quarantine,
      metrics: this.metrics,
      logger: this.logger,
      total: await this.registeredBlobs(),
      checkpointEvery: this.checkpointEvery,
    });
    try {
      await walk.run();
    } catch (error) {
      // Stopped (a shutdown hands the job back to the queue): what was counted is a prefix of the walk, worth saving
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

/** Where a resumed scrub continues, for the log. */
function where(tally: ScrubTally): string {
  const at = tally.position;
  if (at.stage === 'loose') return at.after === '' ? 'with the loose blobs' : `after ${at.after}`;
  return at.pack === '' ? 'with the first pack' : `in pack ${at.pack} after offset ${at.offset}`;
}
