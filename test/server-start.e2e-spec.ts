import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tempDir } from './support/server';

const ROOT = join(__dirname, '..');

/** The modification time of every file of the build, by path: what a compile would change. */
function buildStamps(): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[path] = statSync(path).mtimeMs;
    }
  };
  walk(join(ROOT, 'dist'));
  return out;
}

/** Runs an npm script in the repository with a clean environment, as a person would; its group can be ended. */
function npm(args: string[], env: Record<string, string>): { proc: ChildProcess; output: () => string } {
  const proc = spawn('npm', args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return { proc, output: () => out };
}

const exited = (proc: ChildProcess) =>
  new Promise<number | null>((resolve) => (proc.exitCode !== null ? resolve(proc.exitCode) : proc.once('exit', resolve)));

describe('npm start and npm run keys on a built tree', () => {
  it('npm start serves from the build without compiling, and says where the first admin key is', async () => {
    const before = buildStamps();
    const port = await freePort();
    const dataDir = tempDir();
    const { proc, output } = npm(['start', '--silent'], { PORT: String(port), HOST: '127.0.0.1', HOARD_DATA_DIR: dataDir });
    try {
      let healthy = false;
      const deadline = Date.now() + 30_000;
      while (!healthy && Date.now() < deadline && proc.exitCode === null) {
        healthy = await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (!healthy) await new Promise((r) => setTimeout(r, 50));
      }
      expect({ healthy, output: output() }).toEqual({ healthy: true, output: output() });
      const lines = output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l).msg as string);
      const listening = lines.findIndex((m) => m.startsWith('hoard ') && m.includes(`listening on http://127.0.0.1:${port}`));
      expect(lines[listening + 1]).toBe(`no API key existed: the first admin key is in ${join(dataDir, 'admin.key')} (mode 0600)`);
    } finally {
      process.kill(-proc.pid!, 'SIGTERM');
      await exited(proc);
    }
    expect(buildStamps()).toEqual(before);
  });

  it('npm run keys runs the key tool from the build without compiling', async () => {
    const before = buildStamps();
    const dataDir = tempDir();
    const created = npm(['run', 'keys', '--silent', '--', 'create', '--name', 'ops', '--scope', 'read', '--json'], {
      HOARD_DATA_DIR: dataDir,
    });
    expect(await exited(created.proc)).toBe(0);
    const key = JSON.parse(created.output().trim());
    expect(key).toMatchObject({ name: 'ops', scopes: ['read'], key: expect.stringMatching(/^hk_/) });
    const listed = npm(['run', 'keys', '--silent', '--', 'list', '--json'], { HOARD_DATA_DIR: dataDir });
    expect(await exited(listed.proc)).toBe(0);
    expect(JSON.parse(listed.output().trim()).map((k: { id: string }) => k.id)).toEqual([key.id]);
    expect(buildStamps()).toEqual(before);
  });
});
