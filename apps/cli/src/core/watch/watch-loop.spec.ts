import { Change, DeferredChange } from './settle-queue';
import { WatchLoop, WatchPorts } from './watch-loop';

/** Ports whose scans finish when the test says so, recording what each batch held. */
class FakePorts implements WatchPorts {
  readonly batches: Array<Change[] | null> = [];
  failNext = 0;
  /** What the next scan to finish hands back as deferred. */
  deferNext: DeferredChange[] = [];
  unsubscribed = false;
  rests = 0;
  private finishers: Array<() => void> = [];
  emit: (path: string, created: boolean) => void = () => undefined;

  scan(changes: Change[] | null): Promise<DeferredChange[]> {
    this.batches.push(changes);
    return new Promise((resolve, reject) => {
      this.finishers.push(() => {
        if (this.failNext > 0) return void (this.failNext--, reject(new Error('server away')));
        resolve(this.deferNext);
        this.deferNext = [];
      });
    });
  }

  async subscribe(onChange: (path: string, created: boolean) => void): Promise<() => Promise<void>> {
    this.emit = onChange;
    return async () => {
      this.unsubscribed = true;
    };
  }

  rest(): void {
    this.rests++;
  }

  /** Finishes the oldest running scan and lets the loop go on. */
  async finish(): Promise<void> {
    this.finishers.shift()!();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }

  get running(): number {
    return this.finishers.length;
  }
}

describe('WatchLoop', () => {
  let ports: FakePorts;
  let retries: number[];
  let sut: WatchLoop;

  beforeEach(async () => {
    jest.useFakeTimers();
    ports = new FakePorts();
    retries = [];
    sut = new WatchLoop(ports, { settleMs: 2000, rescanMs: 3_600_000, retryBaseMs: 1000, retryMaxMs: 8000 }, (_, ms) => retries.push(ms));
    await sut.start(() => undefined);
  });
  afterEach(async () => {
    while (ports.running > 0) await ports.finish();
    await sut.stop();
    jest.useRealTimers();
  });

  it('runs the first scan over every root, then a batch of the settled changes', async () => {
    expect(ports.batches).toEqual([null]);
    await ports.finish();
    ports.emit('/r/a', false);
    ports.emit('/r/b', false);
    jest.advanceTimersByTime(2000);
    expect(ports.batches).toEqual([
      null,
      [
        { path: '/r/a', created: false },
        { path: '/r/b', created: false },
      ],
    ]);
  });

  it('hands on a path only created after a quarter of a second, and settles again what its batch deferred', async () => {
    await ports.finish();
    ports.emit('/r/moved-in', true);
    ports.emit('/r/b', false);
    jest.advanceTimersByTime(249);
    expect(ports.batches).toEqual([null]);
    jest.advanceTimersByTime(1);
    expect(ports.batches).toEqual([null, [{ path: '/r/moved-in', created: true }]]);
    // The batch found a file under it changed just now: it waits until that change is 2 s old.
    ports.deferNext = [{ path: '/r/moved-in/new', created: true, readyAt: Date.now() + 1900 }];
    await ports.finish();
    jest.advanceTimersByTime(1750);
    expect(ports.batches.slice(2)).toEqual([[{ path: '/r/b', created: false }]]);
    await ports.finish();
    jest.advanceTimersByTime(149);
    expect(ports.batches).toHaveLength(3);
    jest.advanceTimersByTime(1);
    expect(ports.batches.slice(3)).toEqual([[{ path: '/r/moved-in/new', created: true }]]);
  });

  it('gathers what settles while a batch runs into the next one, one batch at a time', async () => {
    await ports.finish();
    ports.emit('/r/a', false);
    jest.advanceTimersByTime(2000);
    ports.emit('/r/b', false);
    jest.advanceTimersByTime(2000);
    ports.emit('/r/c', false);
    jest.advanceTimersByTime(2000);
    expect(ports.running).toBe(1);
    await ports.finish();
    expect(ports.batches.slice(1)).toEqual([
      [{ path: '/r/a', created: false }],
      [
        { path: '/r/b', created: false },
        { path: '/r/c', created: false },
      ],
    ]);
  });

  it('runs a full rescan every interval', async () => {
    await ports.finish();
    jest.advanceTimersByTime(3_600_000);
    expect(ports.batches).toEqual([null, null]);
    await ports.finish();
    jest.advanceTimersByTime(3_600_000);
    expect(ports.batches).toEqual([null, null, null]);
  });

  it('keeps a failed batch and tries it again with growing pauses', async () => {
    await ports.finish();
    ports.failNext = 3;
    ports.emit('/r/a', true);
    jest.advanceTimersByTime(2000);
    await ports.finish();
    ports.emit('/r/b', false);
    jest.advanceTimersByTime(999);
    expect(ports.running).toBe(0);
    jest.advanceTimersByTime(1);
    expect(ports.batches.at(-1)).toEqual([{ path: '/r/a', created: true }]);
    await ports.finish();
    jest.advanceTimersByTime(2000);
    await ports.finish();
    jest.advanceTimersByTime(3999);
    expect(ports.running).toBe(0);
    jest.advanceTimersByTime(1);
    expect(retries).toEqual([1000, 2000, 4000]);
    expect(ports.batches.at(-1)).toEqual([
      { path: '/r/a', created: true },
      { path: '/r/b', created: false },
    ]);
    await ports.finish();
    ports.emit('/r/c', false);
    jest.advanceTimersByTime(2000);
    expect(ports.batches.at(-1)).toEqual([{ path: '/r/c', created: false }]);
  });

  it('when stopped while busy, lets the batch in flight finish and starts no other', async () => {
    await ports.finish();
    ports.emit('/r/a', false);
    jest.advanceTimersByTime(2000);
    ports.emit('/r/b', false);
    let stopped = false;
    const stopping = sut.stop().then(() => (stopped = true));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(stopped).toBe(false);
    expect(ports.unsubscribed).toBe(true);
    await ports.finish();
    await stopping;
    jest.advanceTimersByTime(10_000);
    expect(ports.batches).toEqual([null, [{ path: '/r/a', created: false }]]);
  });
  it('rests once, a second after a batch when nothing else is to do, and not again until another batch has run', async () => {
    await ports.finish();
    jest.advanceTimersByTime(999);
    expect(ports.rests).toBe(0);
    jest.advanceTimersByTime(1);
    expect(ports.rests).toBe(1);
    jest.advanceTimersByTime(60_000);
    expect(ports.rests).toBe(1);
    ports.emit('/r/a', true);
    jest.advanceTimersByTime(2000);
    expect(ports.running).toBe(1);
    jest.advanceTimersByTime(5000);
    expect(ports.rests).toBe(1);
    await ports.finish();
    jest.advanceTimersByTime(1000);
    expect(ports.rests).toBe(2);
  });

  it('does not rest while paths settle: the batch they make rests after it', async () => {
    await ports.finish();
    jest.advanceTimersByTime(500);
    ports.emit('/r/a', false);
    jest.advanceTimersByTime(500);
    expect(ports.rests).toBe(0);
    jest.advanceTimersByTime(1500);
    expect(ports.batches).toEqual([null, [{ path: '/r/a', created: false }]]);
    await ports.finish();
    jest.advanceTimersByTime(1000);
    expect(ports.rests).toBe(1);
  });

  it('does not rest while a failed batch waits to be tried again', async () => {
    ports.failNext = 2;
    await ports.finish();
    jest.advanceTimersByTime(1000);
    await ports.finish();
    jest.advanceTimersByTime(1999);
    expect(retries).toEqual([1000, 2000]);
    expect(ports.rests).toBe(0);
    jest.advanceTimersByTime(1);
    expect(ports.batches).toEqual([null, null, null]);
    await ports.finish();
    jest.advanceTimersByTime(1000);
    expect(ports.rests).toBe(1);
  });
});
