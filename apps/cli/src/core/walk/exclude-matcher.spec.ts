import fg from 'fast-glob';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ExcludeMatcher } from './exclude-matcher';
import { ScanWalker } from './scan-walker';

describe('ExcludeMatcher', () => {
  it('applies gitignore semantics: anywhere, anchored, directory-only and through parents', () => {
    const sut = new ExcludeMatcher(['*.log', '/build', 'cache/', 'docs/tmp']);
    expect(sut.ignores('a.log')).toBe(true);
    expect(sut.ignores('x/y/a.log')).toBe(true);
    expect(sut.ignores('build/out.bin')).toBe(true);
    expect(sut.ignores('src/build/out.bin')).toBe(false);
    expect(sut.ignores('x/cache/blob')).toBe(true);
    expect(sut.ignores('cache')).toBe(false);
    expect(sut.ignores('docs/tmp/a')).toBe(true);
    expect(sut.ignores('keep/a.txt')).toBe(false);
  });

  it('re-includes with a negation and then prunes nothing', () => {
    const sut = new ExcludeMatcher(['*.log', '!keep.log']);
    expect([sut.ignores('a.log'), sut.ignores('d/keep.log')]).toEqual([true, false]);
  });

  it('lets the walker prune exactly what the exact matcher excludes, negations included', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hoard-excl-'));
    for (const dir of ['build', 'src/build', 'x/cache', 'docs/tmp', 'cache-not']) mkdirSync(join(root, dir), { recursive: true });
    for (const f of ['a.log', 'b.txt', 'build/o', 'src/build/o', 'x/cache/c', 'docs/tmp/t', 'cache-not/k', 'cache']) {
      writeFileSync(join(root, f), f);
    }
    const walked = (excludes: string[]) =>
      [...new ScanWalker({ excludes, followSymlinks: false }).walk(root)]
        .flatMap((d) => d.files.map((f) => relative(root, join(d.dir, f))))
        .sort();
    for (const excludes of [
      ['*.log', '/build', 'cache/', 'docs/tmp'],
      ['*.log', '!a.log', 'x/', '!x/cache/c', 'build'],
    ]) {
      const sut = new ExcludeMatcher(excludes);
      const exact = (await fg('**', { cwd: root, dot: true })).filter((p) => !sut.ignores(p));
      expect(walked(excludes)).toEqual(exact.sort());
    }
    expect(walked(['*.log', '/build', 'cache/', 'docs/tmp'])).toEqual(['b.txt', 'cache', 'cache-not/k', 'src/build/o']);
  });
});
