import { prefixRangeIn, prefixUpperBound } from './prefix-range';

/** True when `s` falls in the range [prefix, bound) compared as UTF-8 bytes, as SQLite and MongoDB compare. */
function inRange(s: string, prefix: string): boolean {
  const bytes = (v: string) => Buffer.from(v, 'utf8');
  const bound = prefixUpperBound(prefix);
  return Buffer.compare(bytes(s), bytes(prefix)) >= 0 && (bound === null || Buffer.compare(bytes(s), bytes(bound)) < 0);
}

describe('prefixUpperBound', () => {
  it('bounds exactly the strings that start with the prefix', () => {
    const prefixes = ['/d/a%b/', '/d/a_', 'é', '/x\u{D7FF}', '/y\u{FFFF}', '/z\u{10FFFF}', 'a'];
    const samples = [
      '',
      '/',
      '/d/a%b',
      '/d/a%b/',
      '/d/a%b/x',
      '/d/a%c',
      '/d/aXb/',
      '/d/a_b',
      '/d/a`',
      'é',
      'éa',
      'ê',
      'e',
      '/x\u{D7FF}',
      '/x\u{D7FF}q',
      '/x\u{E000}',
      '/y\u{FFFF}\u{10000}',
      '/y\u{10000}',
      '/z\u{10FFFF}\u{10FFFF}',
      '/z\u{10FFFF}',
      '/{',
      'a',
      'a\u{10FFFF}',
      'b',
    ];
    for (const prefix of prefixes) {
      for (const s of samples) expect([prefix, s, inRange(s, prefix)]).toEqual([prefix, s, s.startsWith(prefix)]);
    }
  });

  it('has no bound for an empty prefix or one made only of U+10FFFF', () => {
    expect(prefixUpperBound('')).toBeNull();
    expect(prefixUpperBound('\u{10FFFF}\u{10FFFF}')).toBeNull();
    expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
  });
});

describe('prefixRangeIn', () => {
  it('takes a host prefix as a directory or a file, a bucket prefix as a plain string prefix', () => {
    expect(prefixRangeIn('host', '/a/b')).toEqual({ exact: '/a/b', from: '/a/b/', below: '/a/b0' });
    expect(prefixRangeIn('bucket', 'a/b')).toEqual({ exact: null, from: 'a/b', below: 'a/c' });
    expect(prefixRangeIn('bucket', '')).toEqual({ exact: null, from: '', below: null });
  });
});
