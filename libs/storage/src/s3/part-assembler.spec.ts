import { randomBytes } from 'node:crypto';
import { PartAssembler } from './part-assembler';

describe('PartAssembler', () => {
  it('cuts chunks of any size into parts of exactly partSize, in order, with the remainder last', () => {
    const sut = new PartAssembler(10);
    const bytes = randomBytes(47);
    const parts: Buffer[] = [];
    let offset = 0;
    for (const size of [3, 7, 1, 25, 11]) {
      parts.push(...sut.push(bytes.subarray(offset, offset + size)));
      offset += size;
    }
    expect(parts.map((p) => p.length)).toEqual([10, 10, 10, 10]);
    const rest = sut.takeRest();
    expect(rest.length).toBe(7);
    expect(Buffer.concat([...parts, rest])).toEqual(bytes);
  });

  it('returns several parts from one large chunk and an empty remainder on an exact boundary', () => {
    const sut = new PartAssembler(4);
    const bytes = randomBytes(12);
    const parts = sut.push(bytes);
    expect(parts).toEqual([bytes.subarray(0, 4), bytes.subarray(4, 8), bytes.subarray(8, 12)]);
    expect(sut.takeRest().length).toBe(0);
  });

  it('copies parts, so later writes into a source chunk cannot change a part already cut', () => {
    const sut = new PartAssembler(4);
    const chunk = Buffer.from([1, 2, 3, 4, 5]);
    const [part] = sut.push(chunk);
    chunk.fill(0);
    expect([...part]).toEqual([1, 2, 3, 4]);
  });

  it('cuts parts of the size given for each index', () => {
    const sut = new PartAssembler((index) => [2, 3, 5][Math.min(index, 2)]);
    const bytes = randomBytes(20);
    const parts = [...sut.push(bytes.subarray(0, 6)), ...sut.push(bytes.subarray(6))];
    expect(parts.map((p) => p.length)).toEqual([2, 3, 5, 5, 5]);
    expect(Buffer.concat([...parts, sut.takeRest()])).toEqual(bytes);
  });
});
