import { BoundedRunner } from './bounded-runner';

describe('BoundedRunner', () => {
  it('never runs more than the limit at once and finishes every task', async () => {
    const sut = new BoundedRunner(3);
    let active = 0;
    let peak = 0;
    let done = 0;
    for (let i = 0; i < 20; i++) {
      await sut.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 2 + (i % 3)));
        active--;
        done++;
      });
    }
    await sut.drain();
    expect([peak, done]).toEqual([3, 20]);
  });
});
