import { childPath, crumbs, type Entry, fold, type Place, sorted } from './listing';

const item = (path: string, size = 1) => ({ path, size, sha256: 'a'.repeat(64), at: '2026-01-01T00:00:00Z' });

describe('a directory from flat listings', () => {
  it("folds a host's paths into the directory's files and subdirectories, each once", () => {
    const sut: Place = { kind: 'host', name: 'h', dir: '/srv' };
    const entries = new Map<string, Entry>();
    expect(fold(sut, entries, [item('/srv/a.txt', 5), item('/srv/site/index.html'), item('/srv/site/css/x.css'), item('/srvx/no')])).toBe(
      2,
    );
    expect(fold(sut, entries, [item('/srv/site/other'), item('/srv/b')])).toBe(1);
    expect(sorted(entries).map((e) => [e.name, e.dir, e.size])).toEqual([
      ['site', true, undefined],
      ['a.txt', false, 5],
      ['b', false, 1],
    ]);
    expect([childPath(sut, 'site', true), childPath(sut, 'a.txt', false)]).toEqual(['/srv/site', '/srv/a.txt']);
  });

  it('reads the root of a host and of a bucket', () => {
    const host: Place = { kind: 'host', name: 'h', dir: '/' };
    const hostEntries = new Map<string, Entry>();
    fold(host, hostEntries, [item('/etc/hosts'), item('/top')]);
    expect(sorted(hostEntries).map((e) => e.name)).toEqual(['etc', 'top']);
    expect(childPath(host, 'etc', true)).toBe('/etc');

    const bucket: Place = { kind: 'bucket', name: 'b', dir: '' };
    const bucketEntries = new Map<string, Entry>();
    fold(bucket, bucketEntries, [item('jobs/1.zip'), item('latest')]);
    expect(sorted(bucketEntries).map((e) => [e.name, e.dir])).toEqual([
      ['jobs', true],
      ['latest', false],
    ]);
    expect(childPath(bucket, 'jobs', true)).toBe('jobs/');
    expect(childPath({ ...bucket, dir: 'jobs/' }, '1.zip', false)).toBe('jobs/1.zip');
  });

  it('names every directory from the root for the breadcrumb', () => {
    expect(crumbs({ kind: 'host', name: 'h', dir: '/srv/site' })).toEqual([
      { name: 'h', dir: '/' },
      { name: 'srv', dir: '/srv' },
      { name: 'site', dir: '/srv/site' },
    ]);
    expect(crumbs({ kind: 'bucket', name: 'b', dir: 'a/b/' })).toEqual([
      { name: 'b', dir: '' },
      { name: 'a', dir: 'a/' },
      { name: 'b', dir: 'a/b/' },
    ]);
  });
});
