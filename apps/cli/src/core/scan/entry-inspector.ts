import { BigIntStats, lstatSync, readlinkSync, statSync } from 'node:fs';
import { EMPTY_SHA256, FileMetadata } from '@app/contracts';
import { fingerprintOf, ioReason, isSkippable, metadataOf, skipReason } from './file-classifier';
import { PendingRecord, ScanContext } from './scan-context';

/**
 * What a look at an entry found: the record of a file known from the cache (or of a link), the stat of a file that
 * must be read, 'gone' when it vanished, or null when the entry is settled (skipped or failed).
 */
export type Inspected = { record: PendingRecord } | { st: BigIntStats } | 'gone' | null;

/**
 * The synchronous look at an entry the walk did not find unchanged: stat, classify, and look for it in the cache (it
 * may have changed back, or been renamed). A symbolic link not followed is recorded as what it is.
 */
export class EntryInspector {
  constructor(
    private readonly ctx: ScanContext,
    private readonly followSymlinks: boolean,
  ) {}

  inspect(path: string): Inspected {
    const { cache } = this.ctx;
    let st: BigIntStats;
    try {
      // Synchronous on purpose: the promise API costs several times the system call itself.
      st = this.followSymlinks ? statSync(path, { bigint: true }) : lstatSync(path, { bigint: true });
    } catch (err) {
      if (this.followSymlinks && isBrokenLink(path, err)) this.ctx.skipped(path, 'broken symbolic link');
      else this.problem(path, err);
      return (err as { code?: string }).code === 'ENOENT' ? 'gone' : null;
    }
    this.ctx.scanned(Number(st.size));
    if (st.isSymbolicLink()) return this.link(path, st);
    const reason = skipReason(st);
    if (reason) {
      this.ctx.skipped(path, reason);
      return null;
    }
    const fp = fingerprintOf(st);
    const exact = cache?.lookup(path, fp) ?? null;
    const known = exact?.sha256 ?? cache?.lookupRenamed(path, fp)?.sha256 ?? null;
    if (!known) return { st };
    this.ctx.unchanged(Number(st.size));
    const meta = metadataOf(path, this.ctx.hostname, known, st);
    return { record: { meta, fp, fresh: false, cached: exact !== null, recordId: exact?.recordId ?? null } };
  }

  /** A symbolic link (not followed) is recorded as what it is: its target, no content. */
  private link(path: string, st: BigIntStats): Inspected {
    let target: string;
    try {
      target = readlinkSync(path);
    } catch (err) {
      this.problem(path, err);
      return (err as { code?: string }).code === 'ENOENT' ? 'gone' : null;
    }
    const fp = fingerprintOf(st);
    const exact = this.ctx.cache?.lookup(path, fp) ?? null;
    const meta: FileMetadata = { ...metadataOf(path, this.ctx.hostname, EMPTY_SHA256, st), size: 0, type: 'symlink', link_target: target };
    return { record: { meta, fp, fresh: false, cached: exact !== null, recordId: exact?.recordId ?? null } };
  }

  private problem(path: string, err: unknown): void {
    if (isSkippable(err)) this.ctx.skipped(path, ioReason(err, 'before it was read'));
    else this.ctx.failed(path, ioReason(err, 'before it was read'));
  }
}

/** True when following `path` failed because it is a symbolic link to nothing. */
function isBrokenLink(path: string, err: unknown): boolean {
  if ((err as { code?: string }).code !== 'ENOENT') return false;
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
