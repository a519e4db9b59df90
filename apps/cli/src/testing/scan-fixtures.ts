import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintOf, metadataOf } from '../core/scan/file-classifier';
import { PendingRecord, ScanClient, ScanContext } from '../core/scan/scan-context';
import { ScanEvent } from '../core/scan/scan-events';
import { StateCache } from '../io/state-cache/state-cache';

/** SHA-256 of a text or buffer, hex. */
export function sha(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** A scan context over `client`, with the events it emitted. */
export function scanContext(client: ScanClient, options: { cache?: StateCache | null; dryRun?: boolean; hostname?: string } = {}) {
  const events: ScanEvent[] = [];
  const ctx = new ScanContext(client, options.cache ?? null, options.hostname ?? 'h', options.dryRun ?? false, (e) => events.push(e));
  return { ctx, events };
}

/** A temporary directory, and a function removing it. */
export function scratch(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Resolves once every promise job queued so far (and those they queue) has run: the stages under test wait on
 * nothing else (no I/O, no timer), so this is the moment they are stuck or done.
 */
export function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Writes `content` at `path` (nothing when null) and makes the record the scan would hand on for it. */
export function pendingFile(path: string, content: string | null, extra: Partial<PendingRecord> = {}): PendingRecord {
  if (content !== null) writeFileSync(path, content);
  const st = content === null ? null : lstatSync(path, { bigint: true });
  const fp = st ? fingerprintOf(st) : { size: 0n, mtimeNs: 0n, ctimeNs: 0n, ino: 0n, dev: 0n };
  const meta = st ? metadataOf(path, 'h', sha(content!), st) : { filepath: path, hostname: 'h', sha256: sha(''), size: 0 };
  return { meta, fp, fresh: true, ...extra };
}
