import { chmod, mkdir, utimes } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { FileRecord } from '@app/contracts';
import { HoardClient } from '@app/client';
import { downloadToFile } from './blob-download';
import { BoundedRunner } from './bounded-runner';

export interface RestoreOptions {
  hostname: string;
  /** Restore only records at or under this path (a path boundary, not a string prefix). */
  prefix?: string;
  /** Directory to write into. */
  to: string;
  concurrency: number;
}

export type RestoreEvent =
  | { event: 'restored'; path: string; target: string; sha256: string; bytes: number }
  | { event: 'failed'; path: string; reason: string };

export interface RestoreSummary {
  event: 'summary';
  restored: number;
  bytes: number;
  failed: number;
  elapsed_ms: number;
}

/**
 * Writes the current version of each recorded file of a host under a prefix into a directory: a file recorded at
 * `<prefix>/a/b` lands at `<to>/a/b` (without a prefix, at `<to>/<its absolute path>`). Directories are created,
 * each digest is verified before the file takes its name, then mode and mtime are restored.
 */
export class RestoreRunner {
  private readonly summary: RestoreSummary = { event: 'summary', restored: 0, bytes: 0, failed: 0, elapsed_ms: 0 };

  constructor(private readonly client: HoardClient, private readonly options: RestoreOptions, private readonly listener: (e: RestoreEvent) => void) {}

  async run(): Promise<RestoreSummary> {
    const started = Date.now();
    const to = resolve(this.options.to);
    const prefix = this.options.prefix?.replace(/(.)\/+$/, '$1');
    const runner = new BoundedRunner(this.options.concurrency);
    for await (const record of this.client.iterateFiles({ hostname: this.options.hostname, path_prefix: prefix })) {
      const rel = relativeTarget(record.filepath, prefix);
      if (rel === null) continue;
      const target = resolve(to, rel);
      if (target !== to && !target.startsWith(`${to}/`)) {
        this.fail(record, 'path leads outside the restore directory');
        continue;
      }
      await runner.run(() => this.restoreOne(record, target));
    }
    await runner.drain();
    this.summary.elapsed_ms = Date.now() - started;
    return this.summary;
  }

  private async restoreOne(record: FileRecord, target: string): Promise<void> {
    if (!record.content_available) return this.fail(record, 'content is not available on the server');
    try {
      await mkdir(dirname(target), { recursive: true });
      const bytes = await downloadToFile(this.client, record.sha256, target, {
        beforeRename: async (temp) => {
          if (record.mode !== undefined && record.mode !== null) await chmod(temp, record.mode & 0o7777);
          if (record.mtime !== undefined && record.mtime !== null) await utimes(temp, record.atime ?? record.mtime, record.mtime);
        },
      });
      this.summary.restored++;
      this.summary.bytes += bytes;
      this.listener({ event: 'restored', path: record.filepath, target, sha256: record.sha256, bytes });
    } catch (err) {
      this.fail(record, (err as Error).message);
    }
  }

  private fail(record: FileRecord, reason: string): void {
    this.summary.failed++;
    this.listener({ event: 'failed', path: record.filepath, reason });
  }
}

/** Where a record goes relative to the restore directory, or null when it is not under the prefix. */
export function relativeTarget(filepath: string, prefix?: string): string | null {
  if (!prefix) return filepath.replace(/^\/+/, '');
  if (filepath === prefix) return basename(filepath);
  if (!filepath.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`)) return null;
  const rel = relative(prefix, filepath);
  return rel === '' || isAbsolute(rel) || rel.startsWith('..') ? null : join(rel);
}
