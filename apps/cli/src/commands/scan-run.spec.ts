import { runRoots } from './scan-run';

describe('runRoots', () => {
  it('names the roots as they are while a run may hold them all', () => {
    const roots = Array.from({ length: 1000 }, (_, i) => `/w/d/f${i}`);
    expect(runRoots(roots)).toEqual(roots);
  });

  it('names the directories holding them, a level up at a time, when there are too many', () => {
    const files = Array.from({ length: 1500 }, (_, i) => `/w/d${i % 3}/f${i}`);
    expect(runRoots(files)).toEqual(['/w/d0', '/w/d1', '/w/d2']);
    expect(runRoots(['/a/x/1', '/a/y/2', '/b/z/3'], 2)).toEqual(['/a', '/b']);
    expect(runRoots(['/a/1', '/b/2', '/c/3'], 2)).toEqual(['/']);
  });
});
