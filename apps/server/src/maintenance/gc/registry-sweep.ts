import type { Sha256 } from '@app/contracts';
import { type CollectableEntry, UPLOAD_CLAIM_STALE_MS } from '@app/metadata';
import type { GcRun } from './gc-run';

/** Registry entries read at a time. */
const PAGE = 1000;
/** Stored copies deleted at once. */
const DELETES_AT_ONCE = 16;

/** The times one registry walk decides by. */
interface Walk {
  /** Content untouched since then is past its grace. */
  cutoff: Date;
  /** A storing entry claimed before then was left by an upload that died. */
  staleClaims: Date;
  /** A removal marked before then belongs to an attempt that is gone. */
  takeOver: Date;
}

/** Whether an entry may be collected: past its grace, not taken down, not being removed, no live upload's claim. */
function collectable(entry: CollectableEntry, walk: Walk): boolean {
  if (entry.taken_down || entry.removing_since !== null || entry.touched_at >= walk.cutoff) return false;
  return entry.storing_since === null || entry.storing_since < walk.staleClaims;
}

/**
 * Walks the registry in digest order (from `after`), a page at a time, and removes the content no record references
 * and nothing touched within the grace: taken-down content stays (its entry keeps refusing uploads), quarantined
 * content whose records are all gone goes (its moved-aside copy stays where quarantine put it).
 *
 * Per page: the records are looked up; the unreferenced entries are condemned (only if still untouched since the
 * cutoff); the records are looked up AGAIN and the entries that gained one are reverted; the rest are marked
 * removing (only if still condemned by this run: a record or an upload that touched one lifted its condemnation);
 * only then are their stored copies deleted, and last their entries. See ContentCollector for why a record answered
 * "not required" never points at content removed this way. A dry run counts what the first look finds.
 */
export async function sweepRegistry(run: GcRun, from: string, walkStartedAt: number): Promise<void> {
  const walk: Walk = {
    cutoff: new Date(walkStartedAt - run.rules.graceMs),
    staleClaims: new Date(walkStartedAt - UPLOAD_CLAIM_STALE_MS),
    takeOver: new Date(run.startedAt),
  };
  for (let after = from; ;) {
    run.stopIfCancelled();
    const page = await run.ports.collector.registryPage(after, PAGE);
    if (page.length === 0) return;
    const candidates = page.filter((entry) => collectable(entry, walk));
    const referenced = await run.ports.collector.referenced(candidates.map((entry) => entry.sha256));
    const unreferenced = candidates.filter((entry) => !referenced.has(entry.sha256));
    // Removals an attempt that is gone began: past recall, they are finished whatever refers to the content now.
    const unfinished = page.filter((e) => e.removing_since !== null && e.removing_since < walk.takeOver);
    if (run.dryRun) await countRemovals(run, unreferenced);
    else await removePage(run, walk, unreferenced, unfinished);
    run.tally.looked(page.length);
    after = page[page.length - 1].sha256;
    await run.save('registry', after, walkStartedAt);
    if (page.length < PAGE) return;
  }
}

async function countRemovals(run: GcRun, entries: CollectableEntry[]): Promise<void> {
  const packed = await run.ports.packs.lookupMany(entries.map((entry) => entry.sha256));
  for (const entry of entries) {
    run.tally.blobsRemoved += 1;
    const packedEntry = packed.get(entry.sha256);
    if (packedEntry) run.wouldDeaden(packedEntry.packId, packedEntry.length);
    else if (!entry.quarantined && entry.storing_since === null) run.tally.freed(entry.size);
  }
}

async function removePage(run: GcRun, walk: Walk, unreferenced: CollectableEntry[], unfinished: CollectableEntry[]): Promise<void> {
  const { collector, packs } = run.ports;
  const condemned = await collector.condemn(
    unreferenced.map((entry) => entry.sha256),
    run.token,
    walk.cutoff,
    walk.staleClaims,
  );
  const gained = await collector.referenced(condemned);
  if (gained.size > 0) await collector.revert([...gained], run.token);
  const doomed = [...condemned.filter((sha256) => !gained.has(sha256)), ...unfinished.map((entry) => entry.sha256)];
  if (doomed.length === 0) return;
  const packed = await packs.lookupMany(doomed);
  const removing = await collector.markRemoving(doomed, run.token, new Date(run.now()), walk.takeOver);
  const sizes = new Map([...unreferenced, ...unfinished].map((entry) => [entry.sha256, entry.size]));
  const deleted = await deleteCopies(run, removing, (sha256, existed) => {
    // Packed bytes stay in their pack, dead, until the pack is rewritten (and counted then).
    if (existed && !packed.has(sha256)) run.tally.freed(sizes.get(sha256) ?? 0);
  });
  run.tally.blobsRemoved += await collector.finishRemoval(deleted, run.token);
  // Cancelled between deletions: the entries whose copies were not deleted stay removing, for the next attempt.
  run.stopIfCancelled();
}

/**
 * Deletes the stored copies of `sha256s`, a few at a time; stops starting new ones once the job is stopping (its
 * lease may be lost: another attempt then takes these removals over). Returns the digests whose copies are gone.
 */
async function deleteCopies(run: GcRun, sha256s: Sha256[], done: (sha256: Sha256, existed: boolean) => void): Promise<Sha256[]> {
  const gone: Sha256[] = [];
  let next = 0;
  const worker = async () => {
    while (next < sha256s.length && !run.cancelled) {
      const sha256 = sha256s[next++];
      done(sha256, await run.ports.store.delete(sha256));
      gone.push(sha256);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETES_AT_ONCE, sha256s.length) }, worker));
  return gone;
}
