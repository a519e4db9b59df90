import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');

/** The modules a fresh Node process has loaded after requiring `module`, as paths relative to the repository. */
function loadedBy(module: string): string[] {
  const script = `require(${JSON.stringify(module)}); process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(res.status).toBe(0);
  return (JSON.parse(res.stdout) as string[]).map((p) => p.slice(join(__dirname, '..').length + 1));
}

describe('hoard start-up', () => {
  // `scan` starts its walk before the HTTP stack loads (the largest part of the start), so they overlap; a value
  // import of the client on the way to the scan command would load it first and delay every scan.
  it('loads no HTTP stack before a command asks for a client', () => {
    const loaded = loadedBy(MAIN);
    expect(loaded).toContain('dist/apps/cli/src/commands/scan.command.js');
    expect(loaded.filter((p) => p.includes('node_modules/undici/') || p.includes('libs/client/src/http-transport'))).toEqual([]);
  });
});
