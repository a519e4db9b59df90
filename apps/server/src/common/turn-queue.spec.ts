import { TurnQueue } from './turn-queue';

describe('TurnQueue', () => {
  it('runs one job per turn of the loop, in order, letting other callbacks of the turn in between', async () => {
    const sut = new TurnQueue();
    const order: string[] = [];
    const done = [1, 2, 3].map((n) => sut.run(() => order.push(`job ${n}`)));
    setImmediate(() => order.push('other callback of the first turn'));
    expect(sut.waiting).toBe(3);
    await Promise.all(done);
    expect(order).toEqual(['job 1', 'other callback of the first turn', 'job 2', 'job 3']);
    expect(sut.waiting).toBe(0);
  });

  it('hands a job its result or its error', async () => {
    const sut = new TurnQueue();
    await expect(sut.run(() => 42)).resolves.toBe(42);
    await expect(
      sut.run(() => {
        throw new Error('bad body');
      }),
    ).rejects.toThrow('bad body');
    await expect(sut.run(() => 'after an error')).resolves.toBe('after an error');
  });
});
