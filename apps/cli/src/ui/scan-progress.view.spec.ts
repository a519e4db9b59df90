import { ScanProgress } from '../core/scan/scan-events';
import { ScanProgressView } from './scan-progress.view';

const MiB = 1024 * 1024;

/** A stderr stand-in: a terminal of 80 columns, or a pipe. */
function stream(isTTY: boolean): NodeJS.WriteStream & { written: string[] } {
  const written: string[] = [];
  return { isTTY, columns: 80, written, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream & {
    written: string[];
  };
}

describe('ScanProgressView', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  /** A big scan under way: every counter has many digits. */
  function busy(): ScanProgress {
    const p = new ScanProgress();
    Object.assign(p.scanned, { files: 1_234_567, bytes: 987 * 1024 * MiB });
    Object.assign(p.hashed, { files: 456_789, bytes: 123 * 1024 * MiB });
    Object.assign(p.checked, { files: 400_000, bytes: 100 * 1024 * MiB });
    Object.assign(p.uploaded, { files: 98_765, bytes: 45 * 1024 * MiB });
    p.failed = 12;
    return p;
  }

  it('fits 80 columns with the spinner, keeping the upload stage, both rates and the failures', () => {
    const p = busy();
    const sut = new ScanProgressView(p, stream(true));
    sut.line(77);
    jest.advanceTimersByTime(1000);
    p.hashed.bytes += 200 * MiB;
    p.uploaded.bytes += 50 * MiB;
    const line = sut.line(77);
    expect(line.length).toBeLessThanOrEqual(77);
    expect(line).toBe('hash 457k 123G · up 99k 45G · rd 200M/s · tx 50M/s · 12 fail');
    expect(line).toMatch(/rd 200M\/s/);
    expect(line).toMatch(/tx 50M\/s/);
    expect(line).toMatch(/12 fail/);
    expect(line).not.toMatch(/…$/);
  });

  it('shows every stage in full where there is room', () => {
    const p = busy();
    const sut = new ScanProgressView(p, stream(false));
    expect(sut.line()).toBe(
      'scanned 1234567 · hashed 456789 (123.0 GiB) · checked 400000 · uploaded 98765 (45.0 GiB) · read 0 B/s · sent 0 B/s · 12 failed',
    );
  });

  it('shows a resumable upload under way, and counts its bytes in the send rate', () => {
    const p = new ScanProgress();
    const sut = new ScanProgressView(p, stream(false));
    sut.line();
    jest.advanceTimersByTime(1000);
    Object.assign(p.sending, { sent: 300 * MiB, size: 1024 * MiB });
    expect(sut.line()).toBe(
      'scanned 0 · hashed 0 (0 B) · checked 0 · uploaded 0 (0 B) · sending 300.0 MiB of 1.00 GiB · read 0 B/s · sent 300.0 MiB/s',
    );
    expect(sut.line(60)).toBe('hash 0 0B · up 0 0B · large 300M/1.0G · rd 0B/s · tx 300M/s');
  });

  it('rates the last five seconds, not the average since the start, and tells the time left once the walk is done', () => {
    const p = new ScanProgress();
    p.scanned.bytes = 1000 * MiB;
    const sut = new ScanProgressView(p, stream(false));
    for (let second = 1; second <= 10; second++) {
      jest.advanceTimersByTime(1000);
      // Fast for five seconds, then a tenth of the speed.
      p.hashed.bytes += second <= 5 ? 100 * MiB : 10 * MiB;
      sut.line();
    }
    p.walkDone = true;
    jest.advanceTimersByTime(1000);
    p.hashed.bytes += 10 * MiB;
    // 560 MiB read, 440 MiB left at 10 MiB/s.
    expect(sut.line()).toMatch(/read 10\.0 MiB\/s · sent 0 B\/s · ETA 44s$/);
  });

  it('writes a plain line every five seconds without a terminal, once the server has answered', () => {
    const p = busy();
    const out = stream(false);
    const sut = new ScanProgressView(p, out);
    p.checked.files = 0;
    sut.start();
    jest.advanceTimersByTime(5000);
    expect(out.written).toEqual([]);
    p.checked.files = 1;
    jest.advanceTimersByTime(10_000);
    sut.stop();
    jest.advanceTimersByTime(10_000);
    expect(out.written).toHaveLength(2);
    expect(out.written[0]).toMatch(/^scanned 1234567 · .* · 12 failed\n$/);
  });
});
