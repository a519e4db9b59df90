import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDocument } from './openapi';

export const SERVER_MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'server', 'src', 'main.js');

/** A Hoard server process started from the build, on a free loopback port. */
export interface RunningServer {
  url: string;
  port: number;
  dataDir: string;
  /** The bootstrap admin key the server was started with. */
  adminKey: string;
  proc: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** SIGTERM and wait for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** Extra environment; HOARD_DATA_DIR, PORT, HOST and HOARD_BOOTSTRAP_ADMIN_KEY are set unless given here. */
  env?: Record<string, string | undefined>;
  dataDir?: string;
  port?: number;
  /** Wait for /ready rather than /health (default true). */
  waitReady?: boolean;
  /**
   * A command that runs the server: `node main.js` is appended to it (e.g. `unshare -m sh -c '… && exec "$0" "$@"'` to
   * give the server a mount of its own). It must exec the server, so that the process is the server's.
   */
  wrap?: string[];
}

/**
 * Environment for a server whose specs look at (or damage) loose blob files on disk, `<data>/blobs/<sha[0:2]>/<sha>`:
 * no content is packed, whatever its size.
 */
export const LOOSE_BLOBS: Readonly<Record<string, string>> = { HOARD_PACK_THRESHOLD: '0' };

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix = 'hoard-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts `node dist/apps/server/src/main.js` and waits until it answers. */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? tempDir();
  const adminKey = options.env?.HOARD_BOOTSTRAP_ADMIN_KEY ?? `hk_test_${randomBytes(24).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOARD_LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    HOARD_DATA_DIR: dataDir,
    HOARD_BOOTSTRAP_ADMIN_KEY: adminKey,
    ...options.env,
  };
  for (const name of Object.keys(env)) if (env[name] === undefined) delete env[name];
  const [command, ...args] = [...(options.wrap ?? []), process.execPath, SERVER_MAIN];
  const proc = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  proc.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const server: RunningServer = {
    url,
    port,
    dataDir,
    adminKey,
    proc,
    output: () => out,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
  const path = options.waitReady === false ? '/health' : '/ready';
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode} before answering:\n${out}`);
    try {
      const res = await fetch(url + path);
      if (res.ok) {
        // A server started to shed load may refuse the document; its checked calls then say so themselves.
        await loadDocument(url).catch(() => undefined);
        return server;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.kill();
  throw new Error(`server did not answer ${path} within 30 s:\n${out}`);
}
