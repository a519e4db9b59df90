import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { testCacheDir } from './test-servers';

const INSTALL_SCRIPT = join(__dirname, 'install-putplace-client.sh');

/** The version of PutPlace's published client the e2e spec drives. */
export const PUTPLACE_CLIENT_VERSION = '0.8.4';

/**
 * PutPlace's `ppclient`: from its venv in the test cache, or installed there once by `install-putplace-client.sh`
 * when python3 is on the PATH (progress goes to stderr). Null when it cannot be had.
 */
export async function preparePutPlaceClient(): Promise<string | null> {
  const bin = join(testCacheDir(), `putplace-client-${PUTPLACE_CLIENT_VERSION}`, 'bin', 'ppclient');
  const hasPython = spawnSync('python3', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!hasPython) return null;
  const exitCode = await new Promise<number | null>((resolve) => {
    const proc = spawn('bash', [INSTALL_SCRIPT], { stdio: ['ignore', 'ignore', 'inherit'] });
    proc.once('error', () => resolve(null));
    proc.once('exit', (code) => resolve(code));
  });
  if (exitCode !== 0) process.stderr.write(`putplace-client could not be installed (${INSTALL_SCRIPT} exited with ${exitCode})\n`);
  return existsSync(bin) && existsSync(join(bin, '..', '..', '.installed')) ? bin : null;
}
