import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONTENT_COLLECTOR, ContentCollector } from '@app/metadata';
import { BLOB_STORE, BlobStore, PACK_MAINTENANCE, PackMaintenance } from '@app/storage';
import { QuarantineService } from '../../blobs/quarantine.service';
import { fieldsFailed } from '../../common/validation-errors';
import { ServerSettings } from '../../config/server-settings';
import type { JobContext, JobHandler } from '../../jobs/job-handler';
import { GcRun } from './gc-run';
import type { GcCheckpoint } from './gc-tally';
import { sweepOrphans } from './orphan-sweep';
import { sweepPacks } from './pack-sweep';
import { sweepRegistry } from './registry-sweep';

const PHASES: ReadonlyArray<GcCheckpoint['phase']> = ['orphans', 'registry', 'packs'];

/**
 * The `gc` job (API.md "Lifecycle"): removes stored content that no record references and that was neither stored nor
 * referenced during the last `HOARD_GC_GRACE_SECONDS`, and reclaims the space it leaves in packs. Three phases, each
 * walking with bounded memory (pages of digests, never every digest at once):
 * 1. orphans: stored bytes no registry entry knows (an upload died before registering them) are adopted into the
 *    registry, so that 2 collects them; loose copies shadowed by packed ones are removed;
 * 2. registry: unreferenced content past its grace is condemned, checked again, marked and removed (the race argument
 *    is in ContentCollector, FilesService.recordSized and BlobsService.put);
 * 3. packs: packs whose live share fell low are rewritten; stray pack files are removed.
 * It stops at safe points when the job is cancelled, and goes on from its checkpoint when taken over after a crash.
 * Result: `{blobs_removed, bytes_freed, orphans_adopted, packs_rewritten}`. A dry run counts and changes nothing.
 */
@Injectable()
export class GcJob implements JobHandler {
  readonly type = 'gc' as const;
  private readonly logger = new Logger('GC');

  constructor(
    @Inject(CONTENT_COLLECTOR) private readonly collector: ContentCollector,
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    @Inject(PACK_MAINTENANCE) private readonly packs: PackMaintenance,
    private readonly quarantine: QuarantineService,
    private readonly settings: ServerSettings,
  ) {}

  /** `gc` takes no options beyond `type` and `dry_run`. */
  parseOptions(options: Record<string, unknown>): Record<string, unknown> {
    const unknown = Object.keys(options);
    if (unknown.length > 0) {
      throw fieldsFailed(unknown.map((field) => ({ field, errors: [`${field} is not an option of a gc job`] })));
    }
    return {};
  }

  async run(context: JobContext): Promise<Record<string, unknown>> {
    const run = new GcRun(
      context,
      { collector: this.collector, store: this.store, packs: this.packs, quarantine: this.quarantine },
      { graceMs: this.settings.gcGraceSeconds * 1000, packRewriteBelow: this.settings.gcPackRewriteBelow },
    );
    const resumed = checkpointOf(context.checkpoint);
    if (resumed) run.tally.restore(resumed.tally);
    const from = resumed ? PHASES.indexOf(resumed.phase) : 0;
    if (from <= 0) await sweepOrphans(run, resumed?.after ?? '');
    if (from <= 1) await sweepRegistry(run, from === 1 ? resumed!.after : '', resumed?.walk_started_at ?? run.now());
    await sweepPacks(run);
    const result = run.tally.result();
    this.logger.log(`${context.dryRun ? 'dry run: would remove' : 'removed'} ${JSON.stringify(result)}`);
    return { ...result };
  }
}

/** The checkpoint an earlier attempt saved, or null (none, or not one this handler wrote). */
function checkpointOf(saved: unknown): GcCheckpoint | null {
  const checkpoint = saved as Partial<GcCheckpoint> | null;
  if (!checkpoint || typeof checkpoint !== 'object' || !PHASES.includes(checkpoint.phase!)) return null;
  if (typeof checkpoint.after !== 'string' || typeof checkpoint.tally !== 'object' || checkpoint.tally === null) return null;
  return checkpoint as GcCheckpoint;
}
