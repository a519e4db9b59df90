import { PathSet } from './path-set';

describe('PathSet', () => {
  it('remembers added paths, forgets deleted ones, and tells 100,000 similar paths apart', () => {
    const sut = new PathSet();
    for (let i = 0; i < 100_000; i++) sut.add(`/data/d${i % 1000}/file-${i}.bin`);
    expect(sut.size).toBe(100_000);
    expect(sut.has('/data/d7/file-7.bin')).toBe(true);
    sut.delete('/data/d7/file-7.bin');
    expect(sut.has('/data/d7/file-7.bin')).toBe(false);
    let falsePositives = 0;
    for (let i = 100_000; i < 200_000; i++) if (sut.has(`/data/d${i % 1000}/file-${i}.bin`)) falsePositives++;
    expect(falsePositives).toBe(0);
  });
});
