import { BigIntStats, chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants } from 'node:os';
import { STAT } from '@hoard/native';
import { StateCache } from '../../io/state-cache/state-cache';
import { ScanWalker, WalkDir } from './scan-walker';
import { dirReports } from './dir-reports';

/** The stat record of a file, as the native scanner lays it out. */
function record(st: BigIntStats): bigint[] {
  const out = new Array<bigint>(STAT.FIELDS);
  out[STAT.SIZE] = st.size;
  out[STAT.MTIME_NS] = st.mtimeNs;
  out[STAT.CTIME_NS] = st.ctimeNs;
  out[STAT.INO] = BigInt.asIntN(64, st.ino);
  out[STAT.DEV] = BigInt.asIntN(64, st.dev);
  out[STAT.MODE] = st.mode;
  out[STAT.UID] = st.uid;
  out[STAT.GID] = st.gid;
  out[STAT.ATIME_NS] = st.atimeNs;
  return out;
}

// The native scanner when it is built (CI requires it), and the walk through fs (`native: false`, as HOARD_WALKER=js asks).
describe.each(['native', 'js'])('dirReports (%s walker)', (walker) => {
  let root: string;
  const native = walker === 'native';
  let cache: StateCache;
  const walk = (excludes: string[] = []) => [
    ...dirReports(root, new ScanWalker({ excludes, followSymlinks: false, native }), cache, false),
  ];
  const remember = (rel: string, recordId: string | null = 'r1') => {
    const path = join(root, rel);
    const st = lstatSync(path, { bigint: true });
    cache.putMany([
      { path, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino, dev: st.dev, sha256: 'e'.repeat(64), recordId },
    ]);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hoard-walk-'));
    cache = new StateCache(mkdtempSync(join(tmpdir(), 'hoard-walk-cache-')), 'scope');
    mkdirSync(join(root, 'd/e'), { recursive: true });
    for (const f of ['a', 'b', 'd/c', 'd/e/f']) writeFileSync(join(root, f), f);
  });
  afterEach(() => {
    cache.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('sorts each directory into unchanged files (with what their record needs), files to look at again, and gone entries', () => {
    for (const f of ['a', 'b', 'd/c']) remember(f);
    writeFileSync(join(root, 'gone.txt'), 'x');
    remember('gone.txt');
    rmSync(join(root, 'gone.txt'));
    writeFileSync(join(root, 'b'), 'changed');
    symlinkSync('a', join(root, 'link'));
    const reports = walk();
    const top = reports.find((r) => r.dir === root)!;
    expect([top.listed, top.same, top.ids, top.other.sort(), top.gone]).toEqual([
      true,
      ['a'],
      ['r1'],
      ['b', 'link'],
      [join(root, 'gone.txt')],
    ]);
    const st = lstatSync(join(root, 'a'), { bigint: true });
    expect([...top.stats.subarray(0, STAT.FIELDS)]).toEqual(record(st));
    expect(Buffer.from(top.digests).toString('hex')).toBe('e'.repeat(64));
    expect(reports.find((r) => r.dir === join(root, 'd'))).toMatchObject({ same: ['c'], other: [], gone: [] });
    expect(reports.find((r) => r.dir === join(root, 'd/e'))).toMatchObject({ same: [], other: ['f'], gone: [] });
  });

  it('does not take excluded entries or subdirectories for gone, and prunes excluded directories', () => {
    for (const f of ['a', 'b', 'd/c', 'd/e/f']) remember(f);
    const reports = walk(['b', 'e/']);
    expect(reports.map((r) => r.dir).sort()).toEqual([root, join(root, 'd')]);
    expect(reports.flatMap((r) => r.gone)).toEqual([]);
    expect(reports.find((r) => r.dir === root)).toMatchObject({ same: ['a'], other: [] });
  });

  it('reports a root that is a file as a partial listing', () => {
    remember('a');
    const reports = [...dirReports(join(root, 'a'), new ScanWalker({ excludes: [], followSymlinks: false, native }), cache, false)];
    expect(reports).toMatchObject([{ dir: root, listed: false, same: ['a'], gone: [] }]);
  });

  it('looks again at a file whose size is the same but whose mtime or ctime changed', () => {
    for (const f of ['a', 'b', 'd/c']) remember(f);
    utimesSync(join(root, 'a'), new Date(946_684_800_000), new Date(946_684_800_000)); // mtime (and ctime)
    chmodSync(join(root, 'd/c'), 0o600); // ctime only
    const reports = walk();
    expect(reports.find((r) => r.dir === root)).toMatchObject({ same: ['b'], other: ['a'] });
    expect(reports.find((r) => r.dir === join(root, 'd'))).toMatchObject({ same: [], other: ['c'] });
  });

  it('takes a file that vanished between the listing and its stat for gone', () => {
    remember('a');
    remember('b');
    // A native listing whose lstat of `a` failed with ENOENT: the file went away in between.
    const stats = new BigInt64Array(2 * STAT.FIELDS);
    stats.set(record(lstatSync(join(root, 'b'), { bigint: true })), STAT.FIELDS);
    const listing: WalkDir = {
      dir: root,
      listed: ['a', 'b'],
      files: ['a', 'b'],
      stats: { kinds: Uint8Array.from([1, 1]), errnos: Int32Array.from([constants.errno.ENOENT, 0]), stats, at: [0, 1] },
    };
    const walkerStub = {
      *walk() {
        yield listing;
      },
    } as unknown as ScanWalker;
    const [report] = [...dirReports(root, walkerStub, cache, false)];
    expect([report.same, report.other, report.gone]).toEqual([['b'], ['a'], [join(root, 'a')]]);
    expect([...report.stats]).toEqual([...stats.subarray(STAT.FIELDS)]);
  });
});
