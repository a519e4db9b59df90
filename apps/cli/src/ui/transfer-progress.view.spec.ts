import { TransferProgress, TransferProgressView } from './transfer-progress.view';

const MiB = 1024 * 1024;

describe('TransferProgressView', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('fits 80 columns with the spinner: files and bytes of the total, rate, time left, failures', () => {
    const p = Object.assign(new TransferProgress(), {
      totalFiles: 123_456,
      totalBytes: 800 * 1024 * MiB,
      files: 23_456,
      bytes: 0,
      skipped: 99_000,
      failed: 3,
    });
    const sut = new TransferProgressView(p, 'restored', { isTTY: false } as NodeJS.WriteStream);
    sut.line(77);
    jest.advanceTimersByTime(2000);
    p.bytes = 100 * MiB;
    const line = sut.line(77);
    expect(line.length).toBeLessThanOrEqual(77);
    expect(line).toBe('restored 23456/123456 files · 100M/800G · 50.0 MiB/s · ETA 4h33m · 3 failed');
    expect(sut.line(40)).toBe('23k/123k files · 50M/s · ETA 4h33m');
  });

  it('shows what it knows before the totals are known, and only bytes for a single download', () => {
    const p = Object.assign(new TransferProgress(), { files: 2, bytes: 3 * MiB });
    expect(new TransferProgressView(p, 'restored', { isTTY: false } as NodeJS.WriteStream).line(80)).toBe(
      'restored 2 files · 3.00 MiB · 0 B/s',
    );
    const one = Object.assign(new TransferProgress(), { bytes: 3 * MiB, totalBytes: 6 * MiB });
    expect(new TransferProgressView(one, 'got', { isTTY: false } as NodeJS.WriteStream).line(80)).toBe('3.00 MiB/6.00 MiB · 0 B/s');
  });
});
