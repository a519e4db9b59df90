import { settled } from '../../testing/scan-fixtures';
import { BoundedRunner } from './bounded-runner';

describe('BoundedRunner', () => {
  it('runs exactly the limit at once, starts a waiting task as soon as a slot frees, and finishes every task', async () => {
    const sut = new BoundedRunner(3);
    const finish: Array<() => void> = [];
    let active = 0;
    let started = 0;
    let done = 0;
    const producer = (async () => {
      for (let i = 0; i < 20; i++) {
        await sut.run(() => {
          started++;
          active++;
          return new Promise<void>((resolve) => finish.push(() => (active--, done++, resolve())));
        });
      }
    })();
    const seen: Array<[number, number]> = [];
    for (let i = 0; i < 20; i++) {
      await settled();
      seen.push([active, started]);
      finish.shift()!();
    }
    await producer;
    await sut.drain();
    expect(seen).toEqual([...Array.from({ length: 18 }, (_, k): [number, number] => [3, 3 + k]), [2, 20], [1, 20]]);
    expect(done).toBe(20);
  });
});
