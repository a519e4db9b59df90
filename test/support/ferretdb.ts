import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort, tempDir } from './server';
import { prepareBinary } from './test-binaries';

const BUILD_SCRIPT = join(__dirname, 'build-ferretdb.sh');

/** A FerretDB process (MongoDB wire protocol over SQLite) on a free loopback port. */
export interface RunningFerretDb {
  /** `mongodb://127.0.0.1:<port>/` */
  uri: string;
  /** SIGTERM, wait for the exit, remove its data directory. */
  stop(): Promise<void>;
}

/**
 * The FerretDB launcher binary: from the cache, or built once by `build-ferretdb.sh` when `go` is on the PATH
 * (progress goes to stderr). Null when it cannot be had.
 */
export async function prepareFerretDb(): Promise<string | null> {
  return prepareBinary('ferretdb-launcher', BUILD_SCRIPT, 'FerretDB launcher');
}

/** Starts the launcher on a free port with a fresh data directory and waits until a client ping answers. */
export async function startFerretDb(bin: string, timeoutMs = 20_000): Promise<RunningFerretDb> {
  const port = await freePort();
  const dir = tempDir('hoard-ferretdb-');
  const proc = spawn(bin, ['-port', String(port), '-dir', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const uri = `mongodb://127.0.0.1:${port}/`;
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) {
      await stop();
      throw new Error(`FerretDB exited with ${proc.exitCode} at start:\n${output}`);
    }
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.db('admin').command({ ping: 1 });
      return { uri, stop };
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`FerretDB did not answer on ${uri} within ${timeoutMs} ms: ${String(error)}\n${output}`);
      }
    } finally {
      await client.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
