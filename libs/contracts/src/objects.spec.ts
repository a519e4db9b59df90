import { bucketProblem, objectKeyProblem, objectMetadataProblem } from './objects';

describe('object names', () => {
  it('takes buckets of 1 to 63 lower-case letters, digits, ".", "_" and "-", starting with a letter or digit', () => {
    for (const good of ['a', '0', 'jobs', 'user-backups', 'ws.v2_x', 'a'.repeat(63)])
      expect([good, bucketProblem(good)]).toEqual([good, null]);
    for (const bad of ['', 'A', '-a', '.a', '_a', 'a/b', 'a b', 'é', 'a'.repeat(64)]) expect(bucketProblem(bad)).toMatch(/must be/);
  });

  it('takes keys of 1 to 1,024 bytes of UTF-8 without NUL and without empty, "." or ".." segments', () => {
    for (const good of ['k', 'a/b/c.txt', '.hidden', 'a/..b/c', 'é'.repeat(512), 'x'.repeat(1024), 'dir/ file ']) {
      expect([good, objectKeyProblem(good)]).toEqual([good, null]);
    }
    const bad: Array<[string, RegExp]> = [
      ['', /empty/],
      ['x'.repeat(1025), /at most 1024 bytes/],
      ['é'.repeat(513), /at most 1024 bytes/],
      ['a\u0000b', /NUL/],
      ['/a', /empty segment/],
      ['a/', /empty segment/],
      ['a//b', /empty segment/],
      ['.', /"\." or "\.\." segment/],
      ['a/../b', /"\." or "\.\." segment/],
      ['a/.', /"\." or "\.\." segment/],
      ['a\uD800b', /lone surrogate/],
    ];
    for (const [key, problem] of bad) expect([key, objectKeyProblem(key)]).toEqual([key, expect.stringMatching(problem)]);
  });

  it('takes metadata of header-name names and printable ASCII values, 2 KiB in all', () => {
    expect(objectMetadataProblem({})).toBeNull();
    expect(objectMetadataProblem({ owner: 'worker 7', 'job-id': 'x_1', 'a.b': '' })).toBeNull();
    expect(objectMetadataProblem({ big: 'v'.repeat(2045) })).toBeNull();
    expect(objectMetadataProblem({ big: 'v'.repeat(2046) })).toBe('must be at most 2048 bytes in all, names and values (it is 2049)');
    expect(objectMetadataProblem({ Owner: 'x' })).toMatch(/name "Owner"/);
    expect(objectMetadataProblem({ 'a b': 'x' })).toMatch(/name "a b"/);
    expect(objectMetadataProblem({ owner: 'é' })).toMatch(/printable ASCII/);
    expect(objectMetadataProblem({ owner: 'a\nb' })).toMatch(/printable ASCII/);
  });
});
