/** S3 takes at most this many parts in one multipart upload ... */
export const MAX_PARTS = 10_000;
/** ... each at most this large ... */
export const MAX_PART_SIZE = 5 * 1024 ** 3;
/** ... and objects at most this large. */
export const MAX_OBJECT_SIZE = 5 * 1024 ** 4;
const MiB = 1024 * 1024;

/**
 * The size of each part (by index from 0) of a multipart upload, so that MAX_PARTS parts hold the whole body.
 *
 * A body of known `size` gets parts of one size: `base`, or larger when MAX_PARTS parts of `base` would not hold it.
 * A body of unknown size, up to `limit` bytes, starts with parts of `base` and doubles their size every `step` parts,
 * `step` the largest that still reaches `limit` within MAX_PARTS: an ordinary body never leaves `base`, and only a
 * very large one pays for large parts.
 */
export function partSizes(base: number, size: number | undefined, limit = MAX_OBJECT_SIZE): (index: number) => number {
  if (size !== undefined) {
    const needed = Math.ceil(size / MAX_PARTS / MiB) * MiB;
    const fixed = Math.min(MAX_PART_SIZE, Math.max(base, needed));
    return () => fixed;
  }
  // Capacity falls as the step grows: find the largest step that still holds `limit` (1 at worst).
  let low = 1;
  let high = MAX_PARTS;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (capacity(base, mid) >= limit) low = mid;
    else high = mid - 1;
  }
  const step = low;
  return (index) => Math.min(MAX_PART_SIZE, base * 2 ** Math.floor(index / step));
}

/** Bytes that MAX_PARTS parts hold when they start at `base` and double every `step` parts. */
function capacity(base: number, step: number): number {
  let total = 0;
  for (let level = 0, left = MAX_PARTS; left > 0; level++, left -= step) {
    total += Math.min(step, left) * Math.min(MAX_PART_SIZE, base * 2 ** level);
  }
  return total;
}
