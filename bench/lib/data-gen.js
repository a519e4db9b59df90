'use strict';
// Deterministic test data: incompressible bytes from an AES-256-CTR keystream keyed by a seed, and trees of
// files whose sizes and duplicates come from a seeded PRNG.
const { createCipheriv, createHash } = require('node:crypto');
const { mkdirSync, writeFileSync } = require('node:fs');
const { open } = require('node:fs/promises');
const path = require('node:path');
const { Readable } = require('node:stream');

const CHUNK = 4 * 1024 * 1024;
const ZEROS = Buffer.alloc(CHUNK);

/** A keystream of pseudo-random bytes determined by `seed`. */
function keystream(seed) {
  const key = createHash('sha256').update(`hoard-bench:${seed}`).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
}

/** `n` deterministic bytes for `seed` (for files small enough to hold). */
function bytesFor(seed, n) {
  return keystream(seed).update(ZEROS.length >= n ? ZEROS.subarray(0, n) : Buffer.alloc(n));
}

/**
 * Small blob number `i` of a set (`tag`): 4 to 4,096 bytes, sizes spread evenly, content distinct from every other
 * blob of the set because it starts with `i` (random bytes alone repeat among blobs of a byte or two, and a store
 * keeps a repeat once).
 */
function smallDistinctBlob(tag, i) {
  const blob = bytesFor(`${tag}:${i}`, 4 + ((i * 2654435761) % 4093));
  blob.writeUInt32BE(i, 0);
  return blob;
}

/**
 * Writes `size` bytes of seeded random content in 4 MiB chunks, fsyncs, and returns the SHA-256 computed
 * while writing (the file is never held whole in memory).
 */
async function writeRandomFile(file, size, seed) {
  const ks = keystream(seed);
  const hash = createHash('sha256');
  const fh = await open(file, 'w');
  try {
    for (let left = size; left > 0;) {
      const n = Math.min(CHUNK, left);
      const chunk = ks.update(ZEROS.subarray(0, n));
      hash.update(chunk);
      for (let off = 0; off < n;) off += (await fh.write(chunk, off, n - off)).bytesWritten;
      left -= n;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

/** The SHA-256 of `size` bytes of `seed`'s keystream, computed 4 MiB at a time. */
function seededDigest(seed, size) {
  const ks = keystream(seed);
  const hash = createHash('sha256');
  for (let left = size; left > 0; left -= CHUNK) hash.update(ks.update(ZEROS.subarray(0, Math.min(CHUNK, left))));
  return hash.digest('hex');
}

/** `size` bytes of `seed`'s keystream as a stream of 4 MiB chunks (never held whole), e.g. a request body. */
function seededStream(seed, size) {
  const ks = keystream(seed);
  let left = size;
  return new Readable({
    read() {
      if (left === 0) return void this.push(null);
      const n = Math.min(CHUNK, left);
      left -= n;
      this.push(ks.update(ZEROS.subarray(0, n)));
    },
  });
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sizes from 0 B to `max`, skewed small: half under 4 KiB, 1% in the top band. */
function skewedSize(rand, max) {
  const bands = [
    [0.5, 0, 4096],
    [0.3, 4096, 64 * 1024],
    [0.15, 64 * 1024, 1024 * 1024],
    [0.04, 1024 * 1024, max / 2],
    [0.01, max / 2, max],
  ];
  let u = rand();
  for (const [p, lo, hi] of bands) {
    if (u < p) return Math.floor(lo + rand() * (hi - lo));
    u -= p;
  }
  return max;
}

/**
 * Writes a tree of `files` files under `root`, 100 per directory in two levels. `sizeOf(rand)` picks each
 * distinct content's size; a fraction `dupRatio` of files repeat an earlier file's content byte for byte
 * (or, with `distinct`, content is drawn from that many distinct contents).
 * @returns {{files: number, bytes: number, distinct: number, distinctBytes: number}}
 */
async function generateTree(root, { files, seed, sizeOf, dupRatio = 0, distinct = 0, onProgress }) {
  const rand = prng(seed);
  const contents = []; // sizes of distinct contents; content i is bytesFor(`${seed}:${i}`, size)
  let bytes = 0;
  let distinctBytes = 0;
  const made = new Set();
  for (let i = 0; i < files; i++) {
    let index;
    if (distinct > 0 && contents.length >= distinct) index = Math.floor(rand() * contents.length);
    else if (distinct === 0 && contents.length > 0 && rand() < dupRatio) index = Math.floor(rand() * contents.length);
    else {
      index = contents.length;
      contents.push(sizeOf(rand));
      distinctBytes += contents[index];
    }
    const size = contents[index];
    const dirIndex = Math.floor(i / 100);
    const dir = path.join(root, `g${String(Math.floor(dirIndex / 100)).padStart(3, '0')}`, `d${String(dirIndex % 100).padStart(2, '0')}`);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    writeFileSync(path.join(dir, `f${String(i).padStart(6, '0')}.bin`), bytesFor(`${seed}:${index}`, size));
    bytes += size;
    if (onProgress && (i + 1) % 10_000 === 0) onProgress(i + 1);
    if (i % 500 === 0) await new Promise((r) => setImmediate(r)); // lets Ctrl-C be handled
  }
  return { files, bytes, distinct: contents.length, distinctBytes };
}

module.exports = {
  smallDistinctBlob,
  writeRandomFile,
  generateTree,
  skewedSize,
  prng,
  bytesFor,
  seededDigest,
  seededStream,
};
