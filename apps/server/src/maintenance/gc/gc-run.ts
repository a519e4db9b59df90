import { randomBytes } from 'node:crypto';
import type { ContentCollector } from '@app/metadata';
import type { BlobStore, PackMaintenance } from '@app/storage';
import type { QuarantineService } from '../../blobs/quarantine.service';
import type { JobContext } from '../../jobs/job-handler';
import { type GcCheckpoint, GcTally } from './gc-tally';

/** What a run of GC works through: the ports it sees. */
export interface GcPorts {
  collector: ContentCollector;
  store: BlobStore;
  packs: PackMaintenance;
  quarantine: Pick<QuarantineService, 'quarantine'>;
}

/** The settings a run obeys. */
export interface GcRules {
  /** Content stored or newly referenced within this many ms is kept. */
  graceMs: number;
  /** A sealed pack whose live share fell under this is rewritten. */
  packRewriteBelow: number;
}

/** One attempt at one `gc` job: its token, its clock, its counts, and the safe points where it may stop. */
export class GcRun {
  /** Names this attempt's condemnations in the registry (another attempt's are taken over, never reverted). */
  readonly token = `gc-${randomBytes(12).toString('hex')}`;
  /** When this attempt began (ms): removals marked before it belong to an attempt that is gone. */
  readonly startedAt: number;
  readonly tally: GcTally;
  /** Dry runs only: bytes that content counted as removed would leave dead in each pack. */
  readonly deadInPacks = new Map<string, number>();

  constructor(
    readonly context: JobContext,
    readonly ports: GcPorts,
    readonly rules: GcRules,
    readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    this.tally = new GcTally(context);
  }

  get dryRun(): boolean {
    return this.context.dryRun;
  }

  get cancelled(): boolean {
    return this.context.signal.aborted;
  }

  /** A safe point: throws the reason the job is stopping (cancelled, lease lost, shutdown), if it is. */
  stopIfCancelled(): void {
    if (this.context.signal.aborted) throw this.context.signal.reason ?? new Error('the job was stopped');
  }

  /** Saves where the run is (not in a dry run: it changes nothing, and starts over cheaply). */
  async save(phase: GcCheckpoint['phase'], after: string, walkStartedAt: number | null): Promise<void> {
    if (this.dryRun) return;
    const checkpoint: GcCheckpoint = { phase, after, walk_started_at: walkStartedAt, tally: this.tally.saved() };
    await this.context.saveCheckpoint(checkpoint);
  }

  /** Counts bytes that would go dead in a pack (dry run). */
  wouldDeaden(packId: string, bytes: number): void {
    this.deadInPacks.set(packId, (this.deadInPacks.get(packId) ?? 0) + bytes);
  }
}
