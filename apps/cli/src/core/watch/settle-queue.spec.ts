import { Change, SettleQueue } from './settle-queue';

describe('SettleQueue', () => {
  let settled: Change[][];
  let sut: SettleQueue;

  beforeEach(() => {
    jest.useFakeTimers();
    settled = [];
    sut = new SettleQueue(2000, (changes) => settled.push(changes));
  });
  afterEach(() => jest.useRealTimers());

  it('hands on a file changing for 5 s once, 2 s after its last change', () => {
    for (let t = 0; t <= 5000; t += 500) {
      sut.touch('/r/slow', t === 0);
      jest.advanceTimersByTime(t === 5000 ? 0 : 500);
    }
    jest.advanceTimersByTime(1999);
    expect(settled).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(settled).toEqual([[{ path: '/r/slow', created: true }]]);
    jest.advanceTimersByTime(10_000);
    expect(settled).toHaveLength(1);
  });

  it('hands on quiet paths while others are still changing', () => {
    sut.touch('/r/a', false);
    jest.advanceTimersByTime(1000);
    sut.touch('/r/b', false);
    jest.advanceTimersByTime(1000);
    expect(settled).toEqual([[{ path: '/r/a', created: false }]]);
    expect(sut.size).toBe(1);
    jest.advanceTimersByTime(1000);
    expect(settled).toEqual([[{ path: '/r/a', created: false }], [{ path: '/r/b', created: false }]]);
  });

  it('gathers a burst into one hand-over', () => {
    for (let i = 0; i < 1000; i++) sut.touch(`/r/f${i}`, true);
    jest.advanceTimersByTime(2000);
    expect(settled).toHaveLength(1);
    expect(settled[0]).toHaveLength(1000);
  });

  it('drops what waits when cleared', () => {
    sut.touch('/r/a', false);
    sut.clear();
    jest.advanceTimersByTime(5000);
    expect(settled).toEqual([]);
    expect(sut.size).toBe(0);
  });
  describe('with a quick hand-over of paths only created', () => {
    beforeEach(() => (sut = new SettleQueue(2000, (changes) => settled.push(changes), 250)));

    it('hands on a path whose only event was its creation after the quick time, and any other after the settle time', () => {
      sut.touch('/r/moved-in', true);
      sut.touch('/r/written', true);
      sut.touch('/r/written', false);
      jest.advanceTimersByTime(249);
      expect(settled).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(settled).toEqual([[{ path: '/r/moved-in', created: true }]]);
      jest.advanceTimersByTime(1749);
      expect(settled).toHaveLength(1);
      jest.advanceTimersByTime(1);
      expect(settled[1]).toEqual([{ path: '/r/written', created: true }]);
    });

    it('hands on deferred paths each at its time, never before, and keeps a later deadline a path already had', () => {
      const t0 = Date.now();
      sut.touch('/r/busy', false);
      sut.defer([
        { path: '/r/new/late', created: true, readyAt: t0 + 1200 },
        { path: '/r/busy', created: false, readyAt: t0 + 100 },
        { path: '/r/new/early', created: true, readyAt: t0 + 300 },
      ]);
      jest.advanceTimersByTime(299);
      expect(settled).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(settled).toEqual([[{ path: '/r/new/early', created: true }]]);
      jest.advanceTimersByTime(899);
      expect(settled).toHaveLength(1);
      jest.advanceTimersByTime(1);
      expect(settled[1]).toEqual([{ path: '/r/new/late', created: true }]);
      jest.advanceTimersByTime(799);
      expect(settled).toHaveLength(2);
      jest.advanceTimersByTime(1);
      expect(settled[2]).toEqual([{ path: '/r/busy', created: false }]);
    });

    it('hands on deferred paths spread over a second in one hand-over every 20 ms at most', () => {
      const t0 = Date.now();
      sut.defer(Array.from({ length: 1000 }, (_, i) => ({ path: `/r/f${i}`, created: true, readyAt: t0 + 1 + i })));
      jest.advanceTimersByTime(1001);
      expect(settled).toHaveLength(51);
      expect(settled.flat().map((c) => c.path)).toEqual(Array.from({ length: 1000 }, (_, i) => `/r/f${i}`));
    });
  });
});
