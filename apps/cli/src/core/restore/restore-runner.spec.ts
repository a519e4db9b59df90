import { relativeTarget } from './restore-runner';

describe('relativeTarget', () => {
  it('places files relative to the prefix directory, on path boundaries only', () => {
    expect(relativeTarget('/data/docs/a/b.txt', '/data/docs')).toBe('a/b.txt');
    expect(relativeTarget('/data/docs/a/b.txt', '/')).toBe('data/docs/a/b.txt');
    expect(relativeTarget('/data/docs2/x', '/data/docs')).toBeNull();
    expect(relativeTarget('/data/docs', '/data/docs')).toBe('docs');
  });

  it('keeps the whole absolute path without a prefix', () => {
    expect(relativeTarget('/data/docs/a.txt')).toBe('data/docs/a.txt');
  });
});
