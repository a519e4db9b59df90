import { RecordBatcher } from './record-batcher';

describe('RecordBatcher', () => {
  it('sends unchanged items in full batches of 1,000 and the rest at the end', async () => {
    const sent: number[][] = [];
    const sut = new RecordBatcher<number>(async (items) => void sent.push(items), { size: 5000 });
    for (let i = 0; i < 2500; i++) await sut.add(i);
    await sut.drain();
    expect(sent.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(sent.flat()).toEqual(Array.from({ length: 2500 }, (_, i) => i));
  });

  it('lets a batch with newly read content leave early when heavy or old', async () => {
    const sent: number[][] = [];
    const sut = new RecordBatcher<number>(async (items) => void sent.push(items), { freshBytes: 100, freshDelayMs: 20 });
    await sut.add(1);
    await sut.add(2, 60);
    await sut.add(3, 60);
    expect(sent).toEqual([[1, 2, 3]]);
    await sut.add(4, 0);
    await new Promise((r) => setTimeout(r, 60));
    expect(sent).toEqual([[1, 2, 3], [4]]);
    await sut.add(5);
    await new Promise((r) => setTimeout(r, 60));
    expect(sent).toEqual([[1, 2, 3], [4]]);
    await sut.drain();
    expect(sent).toEqual([[1, 2, 3], [4], [5]]);
  });

  it('keeps at most the configured number of batches in flight', async () => {
    let active = 0;
    let peak = 0;
    const sut = new RecordBatcher<number>(async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
    }, { size: 10, inFlight: 2 });
    for (let i = 0; i < 100; i++) await sut.add(i);
    await sut.drain();
    expect(peak).toBe(2);
  });
});
