import { scanRoots } from './walk-start';

describe('scanRoots', () => {
  it('keeps the distinct roots in their order, leaving out those inside another', () => {
    expect(scanRoots(['/a/b', '/a-b', '/a', '/a/b/c', '/a-b/x', '/ab', '/a', '/z/'])).toEqual(['/a-b', '/a', '/ab', '/z']);
    expect(scanRoots(['/x/y', '/', '/q'])).toEqual(['/']);
    expect(scanRoots(['/srv/data/2', '/srv/data/10', '/srv/data/1'])).toEqual(['/srv/data/2', '/srv/data/10', '/srv/data/1']);
  });

  it('resolves relative paths against the working directory', () => {
    expect(scanRoots(['.', './sub'])).toEqual([process.cwd()]);
  });

  it('takes ten thousand files of one directory, and their directory, in one pass', () => {
    const files = Array.from({ length: 10_000 }, (_, i) => `/w/burst/f${i}`);
    expect(scanRoots(files)).toEqual(files);
    expect(scanRoots([...files, '/w/burst'])).toEqual(['/w/burst']);
  });
});
