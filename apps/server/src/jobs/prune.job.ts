import { Inject, Injectable } from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type PathKey, type PathVersions, RECORD_PRUNER, type RecordPruner, RETENTION_STORE, type RetentionStore } from '@app/metadata';
import { fieldsFailed } from '../common/validation-errors';
import { planPath, RetentionPolicy } from '../retention/retention-policy';
import type { JobContext, JobHandler } from './job-handler';

/** Versions read at a time: each batch is one safe point (looked at, removed, its checkpoint saved). */
export const PRUNE_BATCH = 1000;

/**
 * Versions removed by one call of the store. On SQLite a call is one synchronous transaction (about 0.2 ms per
 * version on a million-version store, each a page of two indexes rewritten): the job lets other requests in between.
 */
const REMOVE_AT_ONCE = 250;

/** The highest `max_records_per_second` taken. */
const MAX_RATE = 1_000_000_000;

/** The counts of a prune so far. */
interface PruneTotals {
  examined: number;
  records_removed: number;
  paths_affected: number;
}

/** Where a prune resumes: after this path, with the counts it had reached. */
interface PruneCheckpoint extends PruneTotals {
  after: PathKey;
}

const pathKey = (p: PathKey) => `${p.namespace}\u0000${p.hostname}\u0000${p.filepath}`;

/**
 * The `prune` job: walks every path in (hostname, filepath) order, batch by batch, and removes the versions its
 * retention rule no longer keeps (see `planPath`), and every version of a deleted path past its rule's
 * `keep_deleted_days`. The current version of a live path is never removed (the store checks it again as it
 * removes). A dry run counts what would go and changes nothing. The checkpoint after each batch carries the counts,
 * so a prune taken over after its holder died goes on from there; a batch removed by a holder that died before its
 * checkpoint is looked at again, finds those versions gone, and is not counted twice (nor at all).
 * Option `max_records_per_second` paces the walk, to spare a database that also serves scans.
 */
@Injectable()
export class PruneJob implements JobHandler {
  readonly type = 'prune' as const;

  constructor(
    @Inject(RECORD_PRUNER) private readonly pruner: RecordPruner,
    @Inject(RETENTION_STORE) private readonly retention: RetentionStore,
  ) {}

  parseOptions(options: Record<string, unknown>): Record<string, unknown> {
    const rate = options.max_records_per_second;
    if (rate === undefined) return {};
    if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 1 || rate > MAX_RATE) {
      const message = `max_records_per_second must be an integer from 1 to ${MAX_RATE}`;
      throw fieldsFailed([{ field: 'max_records_per_second', errors: [message] }]);
    }
    return { max_records_per_second: rate };
  }

  async run(context: JobContext): Promise<Record<string, unknown>> {
    const policy = new RetentionPolicy(await this.retention.getRetentionRules());
    const saved = context.checkpoint as PruneCheckpoint | null;
    const totals: PruneTotals = {
      examined: saved?.examined ?? 0,
      records_removed: saved?.records_removed ?? 0,
      paths_affected: saved?.paths_affected ?? 0,
    };
    if (policy.empty) return resultOf(totals);
    // The versions there were when the prune began: those left now, and those it removed before.
    context.progress({ done: totals.examined, total: (await this.pruner.countVersions()) + totals.records_removed });
    const rate = context.options.max_records_per_second as number | undefined;
    const now = new Date();
    const started = Date.now();
    let examinedHere = 0;
    // A checkpoint of a build that walked without namespaces named a host's path.
    let after = saved?.after ? { ...saved.after, namespace: saved.after.namespace ?? 'host' } : null;
    for (;;) {
      if (context.signal.aborted) throw context.signal.reason;
      const paths = await this.pruner.pathVersions(after, PRUNE_BATCH);
      if (paths.length === 0) break;
      const batch = await this.pruneBatch(paths, policy, now, context.dryRun);
      const versions = paths.reduce((n, p) => n + p.versions.length, 0);
      examinedHere += versions;
      totals.examined += versions;
      totals.records_removed += batch.removed;
      totals.paths_affected += batch.affected;
      const last = paths[paths.length - 1];
      after = { namespace: last.namespace, hostname: last.hostname, filepath: last.filepath };
      context.progress({ done: totals.examined });
      await context.saveCheckpoint({ after, ...totals } satisfies PruneCheckpoint);
      // An embedded store answers without ever leaving the event loop: the server's other requests go between batches.
      await nextTurn();
      if (rate) await pace(started + (examinedHere / rate) * 1000, context.signal);
    }
    return resultOf(totals);
  }

  /** Removes (or, in a dry run, counts) what the rules do not keep of these paths. */
  private async pruneBatch(paths: PathVersions[], policy: RetentionPolicy, now: Date, dryRun: boolean) {
    const removals: string[] = [];
    const pathOf = new Map<string, string>();
    const forgets: Array<{ path: PathVersions; deletedAt: Date }> = [];
    for (const path of paths) {
      const rule = policy.ruleFor(path.hostname, path.filepath);
      if (!rule) continue;
      const plan = planPath(path.versions, rule, now);
      if (plan.forget) forgets.push({ path, deletedAt: plan.deletedAt });
      else {
        for (const id of plan.remove) {
          removals.push(id);
          pathOf.set(id, pathKey(path));
        }
      }
    }
    if (dryRun) {
      const forgotten = forgets.reduce((n, f) => n + f.path.versions.length, 0);
      return { removed: removals.length + forgotten, affected: new Set(pathOf.values()).size + forgets.length };
    }
    const removed: string[] = [];
    for (let at = 0; at < removals.length; at += REMOVE_AT_ONCE) {
      if (at > 0) await nextTurn();
      removed.push(...(await this.pruner.removeVersions(removals.slice(at, at + REMOVE_AT_ONCE))));
    }
    const affected = new Set(removed.map((id) => pathOf.get(id)));
    let count = removed.length;
    for (const { path, deletedAt } of forgets) {
      const n = await this.pruner.forgetDeletedPath(path, deletedAt);
      count += n;
      if (n > 0) affected.add(pathKey(path));
    }
    return { removed: count, affected: affected.size };
  }
}

function resultOf(totals: PruneTotals): Record<string, unknown> {
  return { records_removed: totals.records_removed, paths_affected: totals.paths_affected };
}

/** Waits until `until` (epoch ms), or until the signal is aborted. */
function pace(until: number, signal: AbortSignal): Promise<void> {
  const wait = until - Date.now();
  if (wait <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, wait);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
