import { MAX_PART_SIZE, MAX_PARTS, partSizes } from './part-plan';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

/** The sizes of all MAX_PARTS parts. */
const plan = (sizeOf: (index: number) => number) => Array.from({ length: MAX_PARTS }, (_, i) => sizeOf(i));
const sum = (sizes: number[]) => sizes.reduce((a, b) => a + b, 0);

describe('partSizes', () => {
  it('gives a body of known size parts of the base size while 10,000 of them hold it', () => {
    expect(new Set(plan(partSizes(8 * MiB, 2 * GiB, TiB)))).toEqual(new Set([8 * MiB]));
    expect(new Set(plan(partSizes(8 * MiB, 10_000 * 8 * MiB, TiB)))).toEqual(new Set([8 * MiB]));
  });

  it('gives a larger known body equal parts just large enough, in whole MiB', () => {
    const sizes = plan(partSizes(8 * MiB, TiB, TiB));
    expect(new Set(sizes)).toEqual(new Set([105 * MiB]));
    expect(sum(sizes)).toBeGreaterThanOrEqual(TiB);
    expect(partSizes(8 * MiB, 10_000 * 8 * MiB + 1)(0)).toBe(9 * MiB);
  });

  it('never plans a part over the 5 GiB that S3 takes', () => {
    expect(partSizes(8 * MiB, 60 * TiB)(0)).toBe(MAX_PART_SIZE);
    expect(Math.max(...plan(partSizes(8 * MiB, undefined, 5 * 1024 * TiB)))).toBe(MAX_PART_SIZE);
  });

  it('starts a body of unknown size at the base size and grows the parts only as far as the limit needs', () => {
    const sizes = plan(partSizes(8 * MiB, undefined, TiB));
    expect(sum(sizes)).toBeGreaterThanOrEqual(TiB);
    expect(sizes.slice(0, 1000).every((s) => s === 8 * MiB)).toBe(true); // the first 7.8 GiB as usual
    expect(sizes.every((s, i) => i === 0 || s >= sizes[i - 1])).toBe(true);
    // 8 MiB doubled six times: the parts grow only as often as reaching 1 TiB takes.
    expect(Math.max(...sizes)).toBe(512 * MiB);
    expect(sizes.filter((s) => s === 512 * MiB).length).toBeLessThan(sizes.filter((s) => s === 8 * MiB).length);
  });

  it('keeps a small limit at the base size', () => {
    expect(new Set(plan(partSizes(8 * MiB, undefined, 50 * GiB)))).toEqual(new Set([8 * MiB]));
  });
});
