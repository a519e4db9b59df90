import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { prepareBinary } from './test-binaries';
import { freePort, tempDir } from './server';

const BUILD_SCRIPT = join(__dirname, 'build-minio.sh');

/** A MinIO server on a free loopback port, with a fresh data directory and its root credentials. */
export interface RunningMinio {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  /** SIGTERM, wait for the exit, remove its data directory. */
  stop(): Promise<void>;
}

/**
 * The MinIO binary: from the cache (`${HOARD_TEST_CACHE:-~/.cache/hoard-test}/bin/minio`), or built once by
 * `build-minio.sh` when `go` is on the PATH (progress goes to stderr). Null when it cannot be had.
 */
export async function prepareMinio(): Promise<string | null> {
  return prepareBinary('minio', BUILD_SCRIPT, 'MinIO');
}

/** Starts `minio server` on a free port with a fresh data directory and waits until it reports ready. */
export async function startMinio(bin: string, timeoutMs = 30_000): Promise<RunningMinio> {
  const port = await freePort();
  const dir = tempDir('hoard-minio-');
  const accessKey = 'hoard-test';
  const secretKey = 'hoard-test-secret';
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    MINIO_ROOT_USER: accessKey,
    MINIO_ROOT_PASSWORD: secretKey,
    MINIO_BROWSER: 'off',
    MINIO_UPDATE: 'off',
    MINIO_CI_CD: '1',
  };
  const args = ['server', join(dir, 'data'), '--address', `127.0.0.1:${port}`, '--quiet', '--anonymous'];
  const proc = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await stop();
      throw new Error(`MinIO exited with ${proc.exitCode ?? proc.signalCode} at start:\n${output}`);
    }
    try {
      const res = await fetch(`${endpoint}/minio/health/ready`);
      if (res.ok) return { endpoint, accessKey, secretKey, region: 'us-east-1', stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`MinIO did not become ready on ${endpoint} within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
