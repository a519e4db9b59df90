import type { JobContext } from '../../jobs/job-handler';

/** The result of a `gc` job (API.md: `blobs_removed`, `bytes_freed`; the rest says where the bytes came from). */
export interface GcResult {
  /** Content removed: its registry entry and its stored copy (a dry run: content that would be). */
  blobs_removed: number;
  /** Bytes given back by the store: loose copies deleted, packs rewritten or dropped, stray pack files. */
  bytes_freed: number;
  /** Stored content no registry entry knew (an upload died before registering it): registered, collected after the grace. */
  orphans_adopted: number;
  /** Packs rewritten without their dead bytes, or dropped with nothing live. */
  packs_rewritten: number;
}

/** Where a run stopped, saved with the job so that a run taken over after a crash goes on from there. */
export interface GcCheckpoint {
  phase: 'orphans' | 'registry' | 'packs';
  /** The last digest done in the phase ('' at its start). */
  after: string;
  /** When the registry walk began (ms): its cutoff stays the same on resumption. */
  walk_started_at: number | null;
  tally: GcResult & { examined: number };
}

/** The counts of a run, reported as progress (`done`: entries examined; `bytes`: bytes freed) and as its result. */
export class GcTally {
  blobsRemoved = 0;
  bytesFreed = 0;
  orphansAdopted = 0;
  packsRewritten = 0;
  /** Registry entries, stored blobs and packs looked at. */
  examined = 0;

  constructor(private readonly context: Pick<JobContext, 'progress'>) {}

  /** Counts `n` more things looked at and reports progress. */
  looked(n: number): void {
    this.examined += n;
    this.report();
  }

  freed(bytes: number): void {
    this.bytesFreed += bytes;
    this.report();
  }

  report(): void {
    this.context.progress({ done: this.examined, bytes: this.bytesFreed });
  }

  result(): GcResult {
    return {
      blobs_removed: this.blobsRemoved,
      bytes_freed: this.bytesFreed,
      orphans_adopted: this.orphansAdopted,
      packs_rewritten: this.packsRewritten,
    };
  }

  saved(): GcCheckpoint['tally'] {
    return { ...this.result(), examined: this.examined };
  }

  restore(saved: GcCheckpoint['tally']): void {
    this.blobsRemoved = saved.blobs_removed;
    this.bytesFreed = saved.bytes_freed;
    this.orphansAdopted = saved.orphans_adopted;
    this.packsRewritten = saved.packs_rewritten;
    this.examined = saved.examined;
  }
}
