import type { Sha256 } from '@app/contracts';
import { UPLOAD_CLAIM_STALE_MS } from '@app/metadata';
import type { BlobStat } from '@app/storage';
import type { GcRun } from './gc-run';

/** Stored blobs looked up in the registry at a time. */
const PAGE = 1000;

/**
 * Walks every stored blob (loose and packed, in digest order, from `after`) and registers those no registry entry
 * knows: bytes an upload stored before it died, never registered. Adopted with `touched_at` now, they are then
 * unreferenced content like any other, which the registry walk removes once the grace has passed (in this run when
 * the grace is 0). Adopting rather than deleting on sight leaves the race with an upload to the registry walk's
 * protocol: bytes an upload under way just stored are registered here, and kept there since its claim is fresh; an
 * adoption is an insert, which an upload's own registration of the digest turns into an update.
 * Then removes loose copies that a packed copy shadows (reads take the packed one). A dry run counts only.
 */
export async function sweepOrphans(run: GcRun, after: string): Promise<void> {
  const { store, packs } = run.ports;
  let page: BlobStat[] = [];
  for await (const blob of store.list(after ? { after: after as Sha256 } : {})) {
    page.push(blob);
    if (page.length < PAGE) continue;
    await adoptPage(run, page);
    page = [];
  }
  if (page.length > 0) await adoptPage(run, page);
  for await (const shadow of packs.shadowedLoose()) {
    run.stopIfCancelled();
    if (run.dryRun || (await packs.removeShadow(shadow.sha256))) run.tally.freed(shadow.size);
  }
}

async function adoptPage(run: GcRun, page: BlobStat[]): Promise<void> {
  run.stopIfCancelled();
  const { collector, packs } = run.ports;
  const unknown = new Set(await collector.unregistered(page.map((blob) => blob.sha256)));
  const orphans = page.filter((blob) => unknown.has(blob.sha256));
  if (!run.dryRun) {
    run.tally.orphansAdopted += (await collector.adopt(orphans, new Date(run.now()))).length;
  } else if (orphans.length > 0) {
    run.tally.orphansAdopted += orphans.length;
    // Adopted now, an orphan is past the grace when the registry walk begins only if the grace is 0 (and no upload
    // under way claims it).
    if (run.rules.graceMs === 0) {
      const held = await collector.held(
        orphans.map((blob) => blob.sha256),
        new Date(run.now() - UPLOAD_CLAIM_STALE_MS),
      );
      const doomed = orphans.filter((blob) => !held.has(blob.sha256));
      const packed = await packs.lookupMany(doomed.map((blob) => blob.sha256));
      for (const blob of doomed) {
        run.tally.blobsRemoved += 1;
        const entry = packed.get(blob.sha256);
        if (entry) run.wouldDeaden(entry.packId, entry.length);
        else run.tally.freed(blob.size);
      }
    }
  }
  run.tally.looked(page.length);
  await run.save('orphans', page[page.length - 1].sha256, null);
}
