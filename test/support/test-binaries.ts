import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the test servers' binaries are cached. */
export function testCacheDir(): string {
  return process.env.HOARD_TEST_CACHE ?? join(homedir(), '.cache', 'hoard-test');
}

/**
 * A test server binary `<cache>/bin/<name>`: built (or found up to date) by `script` when `go` is on the PATH,
 * progress going to stderr; else the cached one. Null when it cannot be had.
 */
export async function prepareBinary(name: string, script: string, what: string): Promise<string | null> {
  const bin = join(testCacheDir(), 'bin', name);
  const hasGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
  if (!hasGo) return existsSync(bin) ? bin : null;
  const exitCode = await new Promise<number | null>((resolve) => {
    const proc = spawn('bash', [script], { stdio: ['ignore', 'ignore', 'inherit'] });
    proc.once('error', () => resolve(null));
    proc.once('exit', (code) => resolve(code));
  });
  if (exitCode !== 0) {
    process.stderr.write(`${what} could not be built (${script} exited with ${exitCode})\n`);
    return existsSync(bin) ? bin : null;
  }
  return bin;
}
