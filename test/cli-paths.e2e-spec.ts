import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HoardClient } from '@app/client';
import { completionScript } from '../apps/cli/src/commands/completion.command';
import { buildProgram } from '../apps/cli/src/main';
import { cliHome, runCli } from './support/cli';
import { RunningServer, startServer } from './support/server';
import { removeScratch, scratchDir, sha256 } from './support/tree';

/** Two contents whose digests share their first 10 hexadecimal characters (d0a4673b5…): found by search once. */
const TWINS = ['hoard-9574', 'hoard-28298'].map((text) => Buffer.from(text));

/** Paths and digests as people type them, and the commands around the key. */
describe('hoard paths, digest prefixes, get, login', () => {
  let server: RunningServer;
  let client: HoardClient;
  let env: Record<string, string>;
  let base: string;

  beforeAll(async () => {
    server = await startServer();
    client = new HoardClient({ baseUrl: server.url, apiKey: server.adminKey });
    env = { ...cliHome(), HOARD_URL: server.url, HOARD_API_KEY: server.adminKey, HOARD_HOSTNAME: 'paths-host' };
    base = scratchDir('hoard-paths-');
    for (const [rel, content] of [
      ['tree/a.txt', 'a'],
      ['tree/sub/b.txt', 'b'],
      ['tree2/c.txt', 'c'],
      ['treeX', 'x'],
      ['twin1', TWINS[0]],
      ['twin2', TWINS[1]],
    ] as const) {
      mkdirSync(join(base, rel, '..'), { recursive: true });
      writeFileSync(join(base, rel), content);
    }
    expect((await runCli(['scan', base], env)).code).toBe(0);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    removeScratch();
  });

  const listed = (stdout: string) =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).filepath as string);

  it('takes --prefix as a directory or a file, never as the start of a longer name', async () => {
    const res = await runCli(['ls', '--prefix', join(base, 'tree'), '--json'], env);
    expect(res.code).toBe(0);
    expect(listed(res.stdout).sort()).toEqual([join(base, 'tree/a.txt'), join(base, 'tree/sub/b.txt')]);
    const file = await runCli(['ls', '--prefix', join(base, 'treeX'), '--json'], env);
    expect(listed(file.stdout)).toEqual([join(base, 'treeX')]);
  });

  it('resolves relative paths against the working directory', async () => {
    const here = await runCli(['ls', '--prefix', '.', '--json'], env, false, { cwd: join(base, 'tree') });
    expect(listed(here.stdout).sort()).toEqual([join(base, 'tree/a.txt'), join(base, 'tree/sub/b.txt')]);
    const up = await runCli(['ls', '--prefix', '../tree2', '--json'], env, false, { cwd: join(base, 'tree') });
    expect(listed(up.stdout)).toEqual([join(base, 'tree2/c.txt')]);
    const history = await runCli(['history', 'paths-host', 'sub/b.txt', '--json'], env, false, { cwd: join(base, 'tree') });
    expect([history.code, JSON.parse(history.stdout).filepath]).toEqual([0, join(base, 'tree/sub/b.txt')]);
    const to = scratchDir('hoard-paths-restore-');
    const restored = await runCli(['restore', '--prefix', 'tree/sub', '--to', to], env, false, { cwd: base });
    expect([restored.code, readFileSync(join(to, 'b.txt'), 'utf8')]).toEqual([0, 'b']);
  });

  it('takes any unique digest prefix of 8 or more characters, and names the candidates of an ambiguous one', async () => {
    const digest = sha256(Buffer.from('c'));
    const got = await runCli(['get', digest.slice(0, 8), '-o', '-'], env);
    expect([got.code, got.stdout]).toEqual([0, 'c']);
    const clones = await runCli(['clones', digest.slice(0, 12).toUpperCase(), '--json'], env);
    expect(JSON.parse(clones.stdout).filepath).toBe(join(base, 'tree2/c.txt'));
    const [one, two] = TWINS.map(sha256);
    expect(one.slice(0, 9)).toBe(two.slice(0, 9));
    const ambiguous = await runCli(['get', one.slice(0, 9), '-o', '-'], env);
    expect([ambiguous.code, ambiguous.stdout]).toEqual([2, '']);
    expect(ambiguous.stderr).toBe(
      `hoard: the digest prefix ${one.slice(0, 9)} is ambiguous; it starts 2 digests:\n  ${[one, two].sort().join('\n  ')}\n`,
    );
    const unique = await runCli(['get', two.slice(0, 11), '-o', '-'], env);
    expect([unique.code, unique.stdout]).toEqual([0, 'hoard-28298']);
    const short = await runCli(['get', one.slice(0, 7)], env);
    expect([short.code, short.stderr]).toEqual([
      2,
      `hoard: "${one.slice(0, 7)}" is not a digest: give its 64 hexadecimal characters or at least the first 8\n`,
    ]);
  });

  it('get writes into an existing directory, refuses to replace a file without --force, and leaves no partial file', async () => {
    const dir = scratchDir('hoard-get-dir-');
    const digest = sha256(Buffer.from('a'));
    const first = await runCli(['get', digest, '-o', dir], env);
    expect(first.code).toBe(0);
    expect(readdirSync(dir)).toEqual([digest]);
    const again = await runCli(['get', digest, '-o', dir], env);
    expect([again.code, again.stderr]).toEqual([2, `hoard: ${join(dir, digest)} already exists; pass --force to replace it\n`]);
    writeFileSync(join(dir, 'mine.txt'), 'keep me');
    const over = await runCli(['get', digest, '-o', join(dir, 'mine.txt')], env);
    expect([over.code, readFileSync(join(dir, 'mine.txt'), 'utf8')]).toEqual([2, 'keep me']);
    const forced = await runCli(['get', digest, '-o', join(dir, 'mine.txt'), '--force'], env);
    expect([forced.code, readFileSync(join(dir, 'mine.txt'), 'utf8')]).toEqual([0, 'a']);
    expect(readdirSync(dir).sort()).toEqual([digest, 'mine.txt'].sort());
  });

  it('login reads the key from standard input or a file without showing it; logout removes it', async () => {
    const home: Record<string, string> = { ...cliHome(), HOARD_URL: server.url };
    const file = join(home.XDG_CONFIG_HOME, 'hoard', 'config.json');
    const piped = await runCli(['login'], home, false, { input: `${server.adminKey}\n` });
    expect(piped.code).toBe(0);
    expect(piped.stdout + piped.stderr).not.toContain(server.adminKey);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ url: server.url, api_key: server.adminKey });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const out = await runCli(['logout'], home);
    expect([out.code, JSON.parse(readFileSync(file, 'utf8'))]).toEqual([0, { url: server.url }]);
    expect((await runCli(['stats'], home)).stderr).toMatch(/^hoard: no API key is configured/);
    const keyFile = join(home.HOME, 'key.txt');
    writeFileSync(keyFile, `${server.adminKey}\n`);
    expect((await runCli(['login', '--api-key-file', keyFile], home)).code).toBe(0);
    expect((await runCli(['stats'], home)).code).toBe(0);
    const wrong = await runCli(['login', '--api-key-file', '-'], home, false, { input: 'hk_not_a_key\n' });
    expect([wrong.code, JSON.parse(readFileSync(file, 'utf8')).api_key]).toEqual([2, server.adminKey]);
    const empty = await runCli(['login'], home, false, { input: '' });
    expect([empty.code, empty.stderr]).toEqual([
      2,
      'hoard: no API key was given: type it at the prompt, pipe it in or pass --api-key-file\n',
    ]);
  });

  it('scan records only what --include takes and leaves out what --exclude-from names', async () => {
    const root = scratchDir('hoard-include-');
    for (const rel of ['a.jpg', 'deep/b.jpg', 'deep/skip/c.jpg', 'notes.txt', 'deep/d.JPG']) {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), rel);
    }
    const excludes = join(scratchDir('hoard-excludes-'), 'excludes');
    writeFileSync(excludes, '# photos not to keep\nskip/\n');
    const res = await runCli(['scan', root, '--include', '*.jpg', '--exclude-from', excludes, '--json'], {
      ...env,
      HOARD_HOSTNAME: 'include-host',
    });
    expect(res.code).toBe(0);
    const recorded: string[] = [];
    for await (const r of client.iterateFiles({ hostname: 'include-host' })) recorded.push(r.filepath);
    expect(recorded.sort()).toEqual([join(root, 'a.jpg'), join(root, 'deep/b.jpg')]);
  });

  it('prints completion scripts made from the commands; bash completes commands and options', () => {
    const script = completionScript(buildProgram(), 'bash');
    const complete = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _hoard; echo "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      ).trim();
    expect(complete(['hoard', 're'])).toBe('restore');
    expect(complete(['hoard', 'keys', 'r'])).toBe('revoke');
    expect(complete(['hoard', 'restore', '--ov'])).toBe('--overwrite');
    expect(complete(['hoard', 'scan', 'some'])).toBe('');
    for (const shell of ['zsh', 'fish'] as const) {
      const text = completionScript(buildProgram(), shell);
      for (const name of ['scan', 'restore', 'verify', 'completion', 'limit-rate', 'overwrite']) expect(text).toContain(name);
    }
  });
});
