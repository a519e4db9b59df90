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

describe('RecordBatcher under a slow consumer', () => {
  it('does not queue partial batches while every slot is taken: the producer is held back instead', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sent: number[][] = [];
    const sut = new RecordBatcher<number>(async (items) => {
      sent.push(items);
      await gate;
    }, { size: 10, inFlight: 1, freshDelayMs: 5 });
    await sut.add(0, 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(sent).toEqual([[0]]);
    let added = 1;
    const producer = (async () => {
      for (; added < 40; added++) await sut.add(added, 1);
    })();
    await new Promise((r) => setTimeout(r, 60));
    // One full batch of 10 waits for the slot; the producer is stuck on it, with nothing else buffered.
    expect(added).toBe(10);
    expect(sent).toEqual([[0]]);
    release();
    await producer;
    await sut.drain();
    expect(sent.flat()).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});

describe('RecordBatcher with many producers', () => {
  it('holds every producer while a full batch waits, so no more than one batch is buffered', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sent: number[][] = [];
    const sut = new RecordBatcher<number>(async (items) => {
      sent.push(items);
      await gate;
    }, { size: 10, inFlight: 1 });
    let next = 0;
    const producers = Array.from({ length: 50 }, async () => {
      while (next < 200) await sut.add(next++);
    });
    await new Promise((r) => setTimeout(r, 30));
    // One batch in flight, one full batch waiting for its slot, and each producer holding the one item it is adding.
    expect(sent.length).toBe(1);
    expect(next).toBeLessThanOrEqual(20 + 50);
    release();
    await Promise.all(producers);
    await sut.drain();
    expect(sent.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });
});
