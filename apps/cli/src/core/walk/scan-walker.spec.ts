import { scanDir } from '@hoard/native';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ScanWalker } from './scan-walker';

// The native scanner when it is built (CI requires it), and the walk through fs (`native: false`, as HOARD_WALKER=js asks).
describe.each(['native', 'js'])('ScanWalker (%s)', (walker) => {
  let root: string;
  const native = walker === 'native';
  const files = (followSymlinks: boolean, from = root) =>
    [...new ScanWalker({ excludes: [], followSymlinks, native }).walk(from)]
      .flatMap((d) => d.files.map((f) => relative(root, join(d.dir, f))))
      .sort();

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hoard-walker-'));
    mkdirSync(join(root, 'real/sub'), { recursive: true });
    mkdirSync(join(root, 'other'));
    writeFileSync(join(root, 'real/a'), 'a');
    writeFileSync(join(root, 'real/sub/b'), 'b');
    writeFileSync(join(root, 'other/c'), 'c');
    symlinkSync('../other', join(root, 'real/linkdir'));
    symlinkSync('a', join(root, 'real/linkfile'));
    symlinkSync('nowhere', join(root, 'real/broken'));
    symlinkSync('..', join(root, 'real/sub/up'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('lists links as entries when not following them', () => {
    expect(files(false, join(root, 'real'))).toEqual([
      'real/a',
      'real/broken',
      'real/linkdir',
      'real/linkfile',
      'real/sub/b',
      'real/sub/up',
    ]);
  });

  it('follows links to directories, but not into a directory it is already inside', () => {
    expect(files(true, join(root, 'real'))).toEqual(['real/a', 'real/broken', 'real/linkdir/c', 'real/linkfile', 'real/sub/b']);
  });

  it('lists every name of a directory, excluded ones too, and yields a root that is a file alone', () => {
    const dirs = [...new ScanWalker({ excludes: ['a', 'sub/'], followSymlinks: false, native }).walk(join(root, 'real'))];
    expect(dirs.map((d) => [d.dir, [...d.listed!].sort(), [...d.files].sort()])).toEqual([
      [join(root, 'real'), ['a', 'broken', 'linkdir', 'linkfile', 'sub'], ['broken', 'linkdir', 'linkfile']],
    ]);
    expect([...new ScanWalker({ excludes: [], followSymlinks: false, native }).walk(join(root, 'real/a'))]).toEqual([
      { dir: join(root, 'real'), listed: null, files: ['a'] },
    ]);
  });

  it('takes the stats of the listed files with the listing only with the native scanner', () => {
    const [dir] = [...new ScanWalker({ excludes: [], followSymlinks: false, native }).walk(join(root, 'other'))];
    const built = native && scanDir !== null;
    expect(dir.stats !== undefined).toBe(built);
    if (built) expect(dir.stats!.at.map((k) => dir.listed![k])).toEqual(dir.files);
    // Following links always walks through fs.
    const [followed] = [...new ScanWalker({ excludes: [], followSymlinks: true, native }).walk(join(root, 'other'))];
    expect(followed.stats).toBeUndefined();
  });
});
