import type { PackInfo } from '@app/storage';
import type { GcRun } from './gc-run';

/**
 * A pack file the index does not know is left alone until it is this old, whatever the grace: it may be another
 * instance's upload between its datasync and its commit (as recovery at start does).
 */
const STRAY_PACK_AGE_MS = 3600_000;

/**
 * Reclaims the dead bytes in packs (content removed or quarantined leaves its bytes in its pack): every sealed pack
 * whose live share fell under the setting, or that holds nothing live, is rewritten (restic's prune: its live
 * entries copied, verified, into the open pack; then it is dropped and its file removed; see PackMaintenance), and
 * an entry found corrupt on the way is quarantined as a read would. Unsealed packs are still being filled. Then pack
 * files no commit ever made visible are removed once old enough. A dry run counts what it would rewrite, with the
 * dead bytes the removals it counted would have left.
 */
export async function sweepPacks(run: GcRun): Promise<void> {
  const { packs, quarantine } = run.ports;
  for (const pack of await packs.packs()) {
    run.stopIfCancelled();
    run.tally.looked(1);
    const live = Math.max(0, pack.liveBytes - (run.deadInPacks.get(pack.id) ?? 0));
    if (!worthRewriting(pack, live, run.rules.packRewriteBelow)) continue;
    if (run.dryRun) {
      run.tally.packsRewritten += 1;
      run.tally.freed(pack.size - live);
      continue;
    }
    const outcome = await packs.rewrite(
      pack.id,
      async (sha256) => void (await quarantine.quarantine(sha256, 'garbage collection found its packed copy corrupt')),
      run.context.signal,
    );
    if (!outcome.dropped) continue;
    run.tally.packsRewritten += 1;
    run.tally.freed(pack.size - outcome.movedBytes);
  }
  run.stopIfCancelled();
  const stray = await packs.removeStrayPacks(run.now() - Math.max(run.rules.graceMs, STRAY_PACK_AGE_MS), run.dryRun);
  run.tally.freed(stray.bytes);
}

/** A sealed pack with nothing live, or whose live share is under `below`. */
function worthRewriting(pack: PackInfo, live: number, below: number): boolean {
  return pack.sealed && (live === 0 || live < pack.size * below);
}
