import { settled } from '../../testing/scan-fixtures';
import { RecordBatcher } from './record-batcher';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A consumer whose batches stay in flight until `release` is called (or `open` for good). */
function gatedConsumer() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const sent: number[][] = [];
  return { sent, release, send: async (items: number[]) => void (sent.push(items), await gate) };
}

describe('RecordBatcher', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('sends unchanged items in full batches of 1,000 and the rest at the end', async () => {
    const sent: number[][] = [];
    const sut = new RecordBatcher<number>(async (items) => void sent.push(items), { size: 5000 });
    for (let i = 0; i < 2500; i++) await sut.add(i);
    await sut.drain();
    expect(sent).toEqual([range(0, 1000), range(1000, 2000), range(2000, 2500)]);
  });

  it('lets a batch with newly read content leave early when heavy, or once its delay is over; unchanged items wait', async () => {
    const sent: number[][] = [];
    const sut = new RecordBatcher<number>(async (items) => void sent.push(items), { freshBytes: 100, freshDelayMs: 20 });
    await sut.add(1);
    await sut.add(2, 60);
    await sut.add(3, 60);
    expect(sent).toEqual([[1, 2, 3]]);
    await sut.add(4, 0);
    await jest.advanceTimersByTimeAsync(19);
    expect(sent).toEqual([[1, 2, 3]]);
    await jest.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([[1, 2, 3], [4]]);
    await sut.add(5);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(sent).toEqual([[1, 2, 3], [4]]);
    await sut.drain();
    expect(sent).toEqual([[1, 2, 3], [4], [5]]);
  });

  it('keeps exactly the configured number of batches in flight while there are enough', async () => {
    const answers: Array<() => void> = [];
    let active = 0;
    const sut = new RecordBatcher<number>(
      () => {
        active++;
        return new Promise<void>((resolve) => answers.push(() => (active--, resolve())));
      },
      { size: 10, inFlight: 2 },
    );
    const producer = (async () => {
      for (let i = 0; i < 100; i++) await sut.add(i);
      await sut.drain();
    })();
    const seen: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      await settled();
      seen.push(active);
      answers.shift()!();
    }
    await producer;
    expect(seen).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2, 1]);
  });
});

describe('RecordBatcher under a slow consumer', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('does not send a partial batch on time while every slot is taken: it keeps filling, and the producer is held back once it is full', async () => {
    const consumer = gatedConsumer();
    const sut = new RecordBatcher<number>(consumer.send, { size: 10, inFlight: 1, freshDelayMs: 5 });
    await sut.add(0, 1);
    await jest.advanceTimersByTimeAsync(5);
    expect(consumer.sent).toEqual([[0]]);
    // The slot is taken now: the delay of the next partial batch runs out twice, and it stays.
    await sut.add(1, 1);
    await jest.advanceTimersByTimeAsync(5);
    await jest.advanceTimersByTimeAsync(5);
    expect(consumer.sent).toEqual([[0]]);
    let added = 2;
    const producer = (async () => {
      for (; added < 40; added++) await sut.add(added, 1);
    })();
    await settled();
    // A full batch of 10 waits for the slot; the producer is stuck on it, with nothing else buffered.
    expect(added).toBe(10);
    expect(consumer.sent).toEqual([[0]]);
    consumer.release();
    await producer;
    await sut.drain();
    expect(consumer.sent).toEqual([[0], range(1, 11), range(11, 21), range(21, 31), range(31, 40)]);
  });
});

describe('RecordBatcher with many producers', () => {
  it('holds every producer while a full batch waits, so no more than one batch is buffered', async () => {
    const consumer = gatedConsumer();
    const sut = new RecordBatcher<number>(consumer.send, { size: 10, inFlight: 1 });
    let next = 0;
    const producers = Array.from({ length: 50 }, async () => {
      while (next < 200) await sut.add(next++);
    });
    await settled();
    // One batch in flight, one full batch waiting for its slot, and each of the other 49 producers holding the one
    // item it is adding: 10 + 10 + 49.
    expect([consumer.sent, next]).toEqual([[range(0, 10)], 69]);
    consumer.release();
    await Promise.all(producers);
    await sut.drain();
    expect(consumer.sent.flat().sort((a, b) => a - b)).toEqual(range(0, 200));
  });
});
