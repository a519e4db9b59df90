'use strict';
// Loads the native helpers built at install; where they could not be built, every function here is null and the
// callers use their JavaScript paths.
const { getSystemErrorMap } = require('node:util');

let native = null;
try {
  native = require('./build/Release/hoard_native.node');
} catch {
  native = null;
}

/** Entry kinds, as a scan's `kinds` holds them. */
const KIND = Object.freeze({ OTHER: 0, FILE: 1, DIR: 2, LINK: 3 });
/**
 * Offsets of the fields of each entry's stat record in a scan's `stats` (FIELDS int64 per entry), as the C side
 * (src/dirscan.c, STAT_*) writes them.
 */
const STAT = Object.freeze({ SIZE: 0, MTIME_NS: 1, CTIME_NS: 2, INO: 3, DEV: 4, MODE: 5, UID: 6, GID: 7, ATIME_NS: 8, FIELDS: 9 });

/** The error Node's fs raises for `errno` (positive) in `syscall` on `path`: same code, errno and message. */
function systemError(errno, syscall, path) {
  const [code, description] = getSystemErrorMap().get(-errno) ?? ['UNKNOWN', 'unknown error'];
  const where = path === undefined ? syscall : `${syscall} '${path}'`;
  return Object.assign(new Error(`${code}: ${description}, ${where}`), {
    errno: -errno,
    code,
    syscall,
    ...(path === undefined ? {} : { path }),
  });
}

function scanDir(path) {
  const out = native.scan(path);
  if (typeof out === 'number') throw systemError(out, 'scandir', path);
  return out;
}

/** The native completion (an errno, 0 for success) as a Node-style callback. */
function writeDone(callback) {
  return (errno) => callback(errno === 0 ? null : systemError(errno, 'write'));
}

/** A SHA-256 of what is written to a file, both done on the thread pool. */
class FileHasher {
  constructor(fd, { direct = false, size } = {}) {
    this.fd = fd;
    this.hasher = native.createHasher(direct, size ?? -1);
  }

  /** Hashes `buffers` in order, then writes them after what was written before; `callback(error | null)`. */
  write(buffers, callback) {
    native.hashWrite(this.hasher, this.fd, buffers, writeDone(callback));
  }

  /** Writes what direct mode still holds; once, after the last write and before the file is flushed. */
  finish(callback) {
    native.hashFinish(this.hasher, this.fd, writeDone(callback));
  }

  /** Bytes written past the page cache so far. */
  get directBytes() {
    return native.directBytes(this.hasher);
  }

  /** The hex digest of everything written; call once, with no write in flight. */
  digest() {
    return native.digestHex(this.hasher);
  }
}

/**
 * A SHA-256 computed on the thread pool, of a file read there (hash-while-read: the bytes never enter JavaScript
 * memory) or of buffers handed over. One call at a time.
 */
class PoolHasher {
  constructor() {
    this.hasher = native.createHasher(false, -1);
  }

  /** Reads up to `length` bytes of `fd` from `position` and hashes them; `callback(error | null, bytesRead)`. */
  readFrom(fd, position, length, callback) {
    native.hashRead(this.hasher, fd, position, length, (errno, bytes) =>
      callback(errno === 0 ? null : systemError(errno, 'read'), errno === 0 ? bytes : 0),
    );
  }

  /** Hashes `buffers` in order; `callback(error | null)`. */
  update(buffers, callback) {
    native.hashUpdate(this.hasher, buffers, (errno) => callback(errno === 0 ? null : systemError(errno, 'hash')));
  }

  /** The hex digest of everything hashed; call once, with no call in flight. */
  digest() {
    return native.digestHex(this.hasher);
  }
}

/** The hex SHA-256 of each buffer on its own, computed on the thread pool; `callback(error | null, digests)`. */
function digestEach(buffers, callback) {
  native.digestEach(buffers, (errno, digests) => callback(errno === 0 ? null : systemError(errno, 'hash'), errno === 0 ? digests : []));
}

module.exports = {
  available: native !== null,
  scanDir: native ? scanDir : null,
  FileHasher: native ? FileHasher : null,
  PoolHasher: native ? PoolHasher : null,
  digestEach: native ? digestEach : null,
  trimHeap: native ? () => native.trimHeap() : null,
  KIND,
  STAT,
};
