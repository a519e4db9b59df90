import { isAbsolute, join, relative, resolve } from 'node:path';
import { FileRecord } from '@app/contracts';
import type { HoardClient } from '@app/client';
import { BoundedRunner } from '../concurrency/bounded-runner';
import { fileErrorSentence } from '../file-errors';
import { compareLocal } from './local-match';
import { PathFilter } from '../walk/path-filter';
import { RestoreWriter } from './restore-writer';

/** The routes a restore speaks: the listing of records, and content by digest. */
export type RestoreClient = Pick<HoardClient, 'iterateFiles' | 'getBlob'>;

/** When an existing file at a target is replaced. */
export type OverwritePolicy = 'never' | 'if-changed' | 'always';
export const OVERWRITE_POLICIES: readonly OverwritePolicy[] = ['never', 'if-changed', 'always'];

export interface RestoreOptions {
  hostname: string;
  /** Restore only records at or under this absolute path (a directory or a file, not a string prefix). */
  prefix?: string;
  /** Directory to write into. */
  to: string;
  concurrency: number;
  /** The versions current at this time instead of the current ones. */
  at?: Date;
  dryRun?: boolean;
  overwrite?: OverwritePolicy;
  /** Paths relative to the prefix (as they land under `to`) to take. */
  filter?: PathFilter;
}

export type RestoreEvent =
  | { event: 'restored' | 'would_restore'; path: string; target: string; sha256: string; bytes: number; link_target?: string }
  | { event: 'skipped'; path: string; target: string; reason: 'identical' | 'exists' }
  | { event: 'failed'; path: string; reason: string };

export interface RestoreSummary {
  event: 'summary';
  dry_run: boolean;
  /** Records under the prefix that the filters took. */
  matched: number;
  restored: number;
  skipped: number;
  bytes: number;
  failed: number;
  elapsed_ms: number;
}

/** Live counters for a progress display. */
export interface RestoreProgress {
  totalFiles: number | null;
  totalBytes: number | null;
  files: number;
  bytes: number;
  skipped: number;
  failed: number;
}

/**
 * Writes the recorded files of a host under a prefix into a directory (their current versions, or those current at a
 * time): a file recorded at `<prefix>/a/b` lands at `<to>/a/b` (without a prefix, at `<to>/<its absolute path>`).
 * What is there already and identical (size and mtime, else the digest) is skipped, so a second run downloads
 * nothing; `overwrite` says what else is replaced. Each digest is verified before the file takes its name, then mode
 * and mtime are set. Symbolic links are made last. Per-file failures are reported and counted; the run goes on.
 */
export class RestoreRunner {
  private readonly summary: RestoreSummary;
  /** Bytes of the files skipped so far (not downloaded). */
  private skippedBytes = 0;

  constructor(
    private readonly client: RestoreClient,
    private readonly options: RestoreOptions,
    private readonly listener: (e: RestoreEvent) => void,
    private readonly progress: RestoreProgress,
  ) {
    this.summary = {
      event: 'summary',
      dry_run: Boolean(options.dryRun),
      matched: 0,
      restored: 0,
      skipped: 0,
      bytes: 0,
      failed: 0,
      elapsed_ms: 0,
    };
  }

  async run(): Promise<RestoreSummary> {
    const started = Date.now();
    const to = resolve(this.options.to);
    const prefix = this.options.prefix?.replace(/(.)\/+$/, '$1');
    // Files are restored as they are listed; links wait for the end, so that no file is written through one.
    const links: Array<[FileRecord, string]> = [];
    const writer = new RestoreWriter(to, this.client);
    const runner = new BoundedRunner(this.options.concurrency);
    let files = 0;
    let bytes = 0;
    const query = { hostname: this.options.hostname, path_prefix: prefix, at: this.options.at?.toISOString() };
    for await (const record of this.client.iterateFiles(query)) {
      const rel = relativeTarget(record.filepath, prefix);
      if (rel === null || !(this.options.filter?.matches(rel) ?? true)) continue;
      this.summary.matched++;
      const target = resolve(to, rel);
      if (target === to || !target.startsWith(`${to}/`)) this.fail(record, 'its path leads outside the restore directory');
      else if (record.type === 'symlink') links.push([record, target]);
      else {
        files++;
        bytes += record.size;
        await runner.run(() => this.restoreOne(writer, record, target));
      }
    }
    // The totals are known once the listing is done (files skipped so far no longer count).
    this.progress.totalFiles = files + links.length - this.progress.skipped;
    this.progress.totalBytes = bytes - this.skippedBytes;
    await runner.drain();
    for (const [record, target] of links) await this.restoreOne(writer, record, target);
    this.summary.elapsed_ms = Date.now() - started;
    return this.summary;
  }

  private async restoreOne(writer: RestoreWriter, record: FileRecord, target: string): Promise<void> {
    const isLink = record.type === 'symlink';
    try {
      const skip = await this.skipReason(record, target);
      if (skip) {
        this.summary.skipped++;
        this.progress.skipped++;
        if (this.progress.totalFiles !== null) this.progress.totalFiles--;
        if (!isLink) {
          this.skippedBytes += record.size;
          if (this.progress.totalBytes !== null) this.progress.totalBytes -= record.size;
        }
        this.listener({ event: 'skipped', path: record.filepath, target, reason: skip });
        return;
      }
      if (!isLink && !record.content_available) return this.fail(record, 'its content is not available on the server');
      let bytes = 0;
      if (this.options.dryRun) bytes = isLink ? 0 : record.size;
      else if (isLink) await writer.writeLink(record, target);
      else bytes = await writer.writeFile(record, target, (n) => (this.progress.bytes += n));
      this.summary.restored++;
      this.summary.bytes += bytes;
      this.progress.files++;
      const link = isLink ? { link_target: record.link_target ?? '' } : {};
      this.listener({
        event: this.options.dryRun ? 'would_restore' : 'restored',
        path: record.filepath,
        target,
        sha256: record.sha256,
        bytes,
        ...link,
      });
    } catch (err) {
      this.fail(record, reasonOf(err));
    }
  }

  /** Why the target is left as it is, or null to write it. */
  private async skipReason(record: FileRecord, target: string): Promise<'identical' | 'exists' | null> {
    const policy = this.options.overwrite ?? 'if-changed';
    if (policy === 'always') return null;
    const found = await compareLocal(target, record, { trustMtime: true });
    if (found === 'absent') return null;
    if (found === 'identical') return 'identical';
    if (found === 'directory') throw new Error(`${target} is a directory`);
    return policy === 'never' ? 'exists' : null;
  }

  private fail(record: FileRecord, reason: string): void {
    this.summary.failed++;
    this.progress.failed++;
    this.listener({ event: 'failed', path: record.filepath, reason });
  }
}

function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && typeof e.syscall === 'string') return fileErrorSentence(e);
  return e?.message ?? String(err);
}

/** Where a record goes relative to the restore directory, or null when it is not under the prefix. */
export function relativeTarget(filepath: string, prefix?: string): string | null {
  if (!prefix || prefix === '/') return filepath.replace(/^\/+/, '');
  if (filepath === prefix) return filepath.slice(filepath.lastIndexOf('/') + 1);
  if (!filepath.startsWith(`${prefix}/`)) return null;
  const rel = relative(prefix, filepath);
  return rel === '' || isAbsolute(rel) || rel.startsWith('..') ? null : join(rel);
}
