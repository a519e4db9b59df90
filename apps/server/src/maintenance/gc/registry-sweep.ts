import { type CollectableEntry, UPLOAD_CLAIM_STALE_MS } from '@app/metadata';
import type { GcRun } from './gc-run';

/**
 * Registry entries read at a time. Large: beside a stream of requests, each page waits for the event loop about
 * twice (its deletions, then its next page), so fewer pages finish sooner; a page's statements stay a few tens of ms.
 */
const PAGE = 5000;

/** The times one registry walk decides by. */
interface Walk {
  /** Content last touched then or before is past its grace. */
  cutoff: Date;
  /** Upload claims since then are of uploads under way (older ones were left by uploads that died). */
  claimsSince: Date;
  /** Marks set before then belong to an attempt that is gone. */
  takeOver: Date;
}

/** Whether an entry may be condemned: past its grace (with a grace of 0, anything touched until now), not taken down, not marked. */
function collectable(entry: CollectableEntry, walk: Walk): boolean {
  return !entry.taken_down && entry.mark === null && entry.touched_at <= walk.cutoff;
}

/** A mark an attempt that is gone left behind. */
function leftOver(entry: CollectableEntry, walk: Walk): boolean {
  return entry.mark !== null && entry.mark.at < walk.takeOver;
}

/**
 * Walks the registry in digest order (from `after`), a page at a time, and removes the content no record references
 * and nothing touched within the grace: taken-down content stays (its entry keeps refusing uploads), quarantined
 * content whose records are all gone goes (its moved-aside copy stays where quarantine put it).
 *
 * Per page: the content is looked up for records and upload claims; the unheld entries are marked (condemned); they
 * are looked up AGAIN, and those that gained a record or a claim are unmarked; the rest are marked removing, their
 * stored copies deleted, and last their entries and marks removed. See ContentCollector for why a record answered
 * "not required", or an upload that found its content stored, never loses it this way. A dry run counts what the
 * first look finds.
 */
export async function sweepRegistry(run: GcRun, from: string, walkStartedAt: number): Promise<void> {
  const walk: Walk = {
    cutoff: new Date(walkStartedAt - run.rules.graceMs),
    claimsSince: new Date(walkStartedAt - UPLOAD_CLAIM_STALE_MS),
    takeOver: new Date(run.startedAt),
  };
  for (let after = from; ;) {
    run.stopIfCancelled();
    const page = await run.ports.collector.registryPage(after, PAGE);
    if (page.length === 0) return;
    const candidates = page.filter((entry) => collectable(entry, walk));
    const held = await run.ports.collector.held(
      candidates.map((entry) => entry.sha256),
      walk.claimsSince,
    );
    const unheld = candidates.filter((entry) => !held.has(entry.sha256));
    if (run.dryRun) await countRemovals(run, unheld);
    else
      await removePage(
        run,
        walk,
        unheld,
        page.filter((entry) => leftOver(entry, walk)),
      );
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
    else if (!entry.quarantined) run.tally.freed(entry.size);
  }
}

async function removePage(run: GcRun, walk: Walk, unheld: CollectableEntry[], leftovers: CollectableEntry[]): Promise<void> {
  const { collector, packs } = run.ports;
  // Marks a gone attempt left: a condemnation is lifted (the look that followed it is lost); a removal is finished.
  for (const entry of leftovers) if (!entry.mark!.removing) await collector.revert([entry.sha256], entry.mark!.token);
  const condemned = await collector.condemn(
    unheld.map((entry) => entry.sha256),
    run.token,
    new Date(run.now()),
  );
  const gained = await collector.held(condemned, walk.claimsSince);
  if (gained.size > 0) await collector.revert([...gained], run.token);
  const unfinished = leftovers.filter((entry) => entry.mark!.removing).map((entry) => entry.sha256);
  const doomed = [...condemned.filter((sha256) => !gained.has(sha256)), ...unfinished];
  if (doomed.length === 0) return;
  const packed = await packs.lookupMany(doomed);
  const removing = await collector.markRemoving(doomed, run.token, new Date(run.now()), walk.takeOver);
  const sizes = new Map([...unheld, ...leftovers].map((entry) => [entry.sha256, entry.size]));
  // A job already stopping (its lease may be lost) deletes nothing: another attempt takes these removals over, the
  // entries staying marked removing. Else the page's copies go in one call (the store shares the work).
  run.stopIfCancelled();
  const existed = await run.ports.store.deleteMany(removing);
  removing.forEach((sha256, i) => {
    // Packed bytes stay in their pack, dead, until the pack is rewritten (and counted then).
    if (existed[i] && !packed.has(sha256)) run.tally.freed(sizes.get(sha256) ?? 0);
  });
  run.tally.blobsRemoved += await collector.finishRemoval(removing, run.token);
  run.stopIfCancelled();
}
