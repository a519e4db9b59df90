import { runInOrder } from './ordered-pool';

/** A promise settled by hand. */
function gate<T>() {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => ((open = resolve), (fail = reject)));
  return { promise, open, fail };
}

async function* itemsOf<T>(items: T[], pulled: T[] = []): AsyncGenerator<T> {
  for (const item of items) {
    pulled.push(item);
    yield item;
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('runInOrder', () => {
  it('folds results in the order of the items, whatever order they end in, with no more than `concurrency` under way', async () => {
    const gates = [0, 1, 2, 3].map(() => gate<string>());
    const pulled: number[] = [];
    const folded: string[] = [];
    const sut = runInOrder(
      itemsOf([0, 1, 2, 3], pulled),
      { concurrency: 2, signal: new AbortController().signal },
      (i) => gates[i].promise,
      async (i, r) => {
        folded.push(`${i}:${r}`);
      },
    );
    await settle();
    expect(pulled).toEqual([0, 1]);
    gates[1].open('b');
    await settle();
    expect([pulled, folded]).toEqual([[0, 1], []]);
    gates[0].open('a');
    await settle();
    expect(folded).toEqual(['0:a', '1:b']);
    gates[3].open('d');
    gates[2].open('c');
    await sut;
    expect(folded).toEqual(['0:a', '1:b', '2:c', '3:d']);
  });

  it('stops starting items once aborted, waits for those under way, folds nothing more and throws the reason', async () => {
    const abort = new AbortController();
    const gates = [0, 1, 2, 3].map(() => gate<number>());
    const folded: number[] = [];
    const started: number[] = [];
    let ended = 0;
    const work = (i: number) => (started.push(i), gates[i].promise.finally(() => ended++));
    const sut = runInOrder(itemsOf([0, 1, 2, 3]), { concurrency: 2, signal: abort.signal }, work, async (i) => {
      folded.push(i);
      if (i === 0) abort.abort(new Error('cancelled'));
    });
    const outcome = sut.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    gates[0].open(0);
    await settle();
    gates[2].open(2);
    gates[1].open(1);
    expect(await outcome).toBe('cancelled');
    expect(folded).toEqual([0]);
    expect(started).toEqual([0, 1]);
    expect(ended).toBe(2);
  });

  it('throws the first failure once every item under way has ended', async () => {
    const gates = [0, 1].map(() => gate<number>());
    let ended = 0;
    const sut = runInOrder(
      itemsOf([0, 1]),
      { concurrency: 2, signal: new AbortController().signal },
      (i) => gates[i].promise.finally(() => ended++),
      async () => {},
    );
    const outcome = sut.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    gates[0].fail(new Error('store down'));
    await settle();
    expect(ended).toBe(1);
    gates[1].open(1);
    expect(await outcome).toBe('store down');
    expect(ended).toBe(2);
  });
});
