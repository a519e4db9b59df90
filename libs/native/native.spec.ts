import { KIND, scanDir, STAT_FIELDS } from '@hoard/native';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The scanner is built at install where a compiler is; CI requires it (HOARD_TEST_REQUIRE_NATIVE=1).
const required = process.env.HOARD_TEST_REQUIRE_NATIVE === '1';
const describeBuilt = scanDir || required ? describe : describe.skip;

describeBuilt('scanDir (native)', () => {
  const scan = (path: string) => scanDir!(path);
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hoard-dirscan-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const entries = (path: string) => {
    const out = scan(path);
    const names = out.kinds.length === 0 ? [] : out.names.split('\0');
    return new Map(names.map((name, i) => [name, { kind: out.kinds[i], errno: out.errnos[i], stats: [...out.stats.subarray(i * STAT_FIELDS, (i + 1) * STAT_FIELDS)] }]));
  };

  it('is built here', () => {
    expect(scanDir).not.toBeNull();
  });

  it("gives each entry's kind and its lstat fields exactly as Node's lstat gives them", () => {
    writeFileSync(join(root, 'file'), 'content');
    // A time with all nine digits of nanoseconds, which a double cannot carry.
    execFileSync('touch', ['-m', '-d', '@1700000000.123456789', join(root, 'file')]);
    symlinkSync('file', join(root, 'link'));
    symlinkSync('nowhere', join(root, 'dangling'));
    mkdirSync(join(root, 'sub'));
    execFileSync('mkfifo', [join(root, 'fifo')]);
    const found = entries(root);
    expect([...found.keys()].sort()).toEqual(readdirSync(root).sort());
    const kinds = Object.fromEntries([...found].map(([name, e]) => [name, e.kind]));
    expect(kinds).toEqual({ file: KIND.FILE, link: KIND.LINK, dangling: KIND.LINK, sub: KIND.DIR, fifo: KIND.OTHER });
    for (const name of ['file', 'link', 'dangling', 'fifo']) {
      const st = lstatSync(join(root, name), { bigint: true });
      const expected = [st.size, st.mtimeNs, st.ctimeNs, BigInt.asIntN(64, st.ino), BigInt.asIntN(64, st.dev), st.mode, st.uid, st.gid, st.atimeNs];
      expect({ name, errno: found.get(name)!.errno, stats: found.get(name)!.stats }).toEqual({ name, errno: 0, stats: expected });
    }
    expect(found.get('file')!.stats[1] % 1_000_000_000n).toBe(123_456_789n);
    // A directory's stat is not taken.
    expect(found.get('sub')!.stats).toEqual(new Array(STAT_FIELDS).fill(0n));
  });

  it('decodes names as Node does: spaces, newlines, non-ASCII and bytes that are not UTF-8', () => {
    for (const name of ['a b', 'line\nbreak', 'café ☕', '日本語', '.hidden']) writeFileSync(join(root, name), name);
    writeFileSync(Buffer.concat([Buffer.from(`${root}/`), Buffer.from([0x66, 0xff, 0x6f])]), 'latin');
    expect([...entries(root).keys()].sort()).toEqual(readdirSync(root).sort());
    expect(entries(root).size).toBe(6);
  });

  it('lists an empty directory and a large one', () => {
    expect(entries(root).size).toBe(0);
    for (let i = 0; i < 5000; i++) writeFileSync(join(root, `f${i}-${'x'.repeat(i % 200)}`), '');
    const found = entries(root);
    expect(found.size).toBe(5000);
    expect([...found.values()].every((e) => e.kind === KIND.FILE && e.errno === 0 && e.stats[0] === 0n)).toBe(true);
  });

  it("throws Node's readdir errors: code, errno, syscall and message", () => {
    writeFileSync(join(root, 'file'), '');
    for (const path of [join(root, 'missing'), join(root, 'file')]) {
      let nodeError: NodeJS.ErrnoException | undefined;
      try {
        readdirSync(path);
      } catch (err) {
        nodeError = err as NodeJS.ErrnoException;
      }
      expect(() => scan(path)).toThrow(expect.objectContaining({ code: nodeError!.code, errno: nodeError!.errno, syscall: 'scandir' }));
    }
    expect(() => scan(join(root, 'file'))).toThrow(`ENOTDIR: not a directory, scandir '${join(root, 'file')}'`);
  });
});
