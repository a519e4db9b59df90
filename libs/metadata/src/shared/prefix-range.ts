import type { RecordNamespace } from '../metadata-types';

const MAX_CODE_POINT = 0x10ffff;

/**
 * The exclusive upper bound of the strings that start with `prefix`, in UTF-8 byte order (SQLite's BINARY
 * collation and MongoDB's simple string order): the prefix with its last character replaced by the next code
 * point. Every string `s` with `prefix <= s < bound` starts with `prefix`, and every such string is in that range,
 * so the range is an exact, index-friendly prefix match with no pattern characters. Null when there is no bound
 * (empty prefix, or one made only of U+10FFFF).
 */
export function prefixUpperBound(prefix: string): string | null {
  const chars = Array.from(prefix);
  while (chars.length > 0) {
    const last = chars.pop()!.codePointAt(0)!;
    if (last === MAX_CODE_POINT) continue;
    let next = last + 1;
    // UTF-8 has no surrogates: the code point after U+D7FF is U+E000.
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    return chars.join('') + String.fromCodePoint(next);
  }
  return null;
}

/** The paths a path prefix covers: the path itself (`exact`, unless it ends with `/`) and every path in [from, below). */
export interface PathPrefixRange {
  exact: string | null;
  from: string;
  below: string | null;
}

/**
 * A path prefix as a directory or a file: `/a/b` covers `/a/b` and `/a/b/…` but not `/a/bc`; `/a/b/` covers only what
 * is under `/a/b`; `/` covers every absolute path.
 */
export function pathPrefixRange(prefix: string): PathPrefixRange {
  const dir = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return { exact: prefix.endsWith('/') ? null : prefix, from: dir, below: prefixUpperBound(dir) };
}

/**
 * The keys a plain string prefix covers, as object stores list them: `a/b` covers `a/b`, `a/b/c` and `a/bc`. An
 * empty prefix covers every key.
 */
export function keyPrefixRange(prefix: string): PathPrefixRange {
  return { exact: null, from: prefix, below: prefixUpperBound(prefix) };
}

/** What a prefix covers in a namespace: a directory or a file on a host, a string prefix of keys in a bucket. */
export function prefixRangeIn(namespace: RecordNamespace, prefix: string): PathPrefixRange {
  return namespace === 'bucket' ? keyPrefixRange(prefix) : pathPrefixRange(prefix);
}
