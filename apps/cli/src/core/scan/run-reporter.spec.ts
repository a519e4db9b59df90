import type { CreateScanRequest, ScanRun, UpdateScanRequest } from '@app/contracts';
import { HoardHttpError } from '@app/client';
import { ScanProgress } from './scan-events';
import { RunReporter } from './run-reporter';

class FakeRuns {
  opened: CreateScanRequest[] = [];
  reports: Array<[string, UpdateScanRequest]> = [];
  openError: Error | null = null;
  async openScan(request: CreateScanRequest): Promise<ScanRun> {
    if (this.openError) throw this.openError;
    this.opened.push(request);
    return { id: '7' } as ScanRun;
  }
  async reportScan(id: string, request: UpdateScanRequest): Promise<ScanRun> {
    this.reports.push([id, request]);
    return { id } as ScanRun;
  }
}

const OPEN = { hostname: 'h', roots: ['/srv'], client: { name: 'hoard', version: '1' } };

describe('RunReporter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('reports the counters on its timer only, then closes with the state and failures once', async () => {
    const client = new FakeRuns();
    const progress = new ScanProgress();
    const sut = await RunReporter.open(client, OPEN, progress, { intervalMs: 5000 });
    expect([sut.id, client.opened]).toEqual(['7', [OPEN]]);
    progress.seen = 3;
    ScanProgress.add(progress.hashed, 10);
    progress.failed = 1;
    sut.fail('/srv/x', 'EACCES');
    await jest.advanceTimersByTimeAsync(4999);
    expect(client.reports).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    const counts = { files_seen: 3, files_hashed: 1, bytes_hashed: 10, files_uploaded: 0, bytes_uploaded: 0, files_failed: 1 };
    expect(client.reports).toEqual([['7', counts]]);
    ScanProgress.add(progress.uploaded, 10);
    await sut.close('succeeded');
    await sut.close('failed');
    await jest.advanceTimersByTimeAsync(20_000);
    expect(client.reports).toEqual([
      ['7', counts],
      ['7', { ...counts, files_uploaded: 1, bytes_uploaded: 10, failures: [{ path: '/srv/x', reason: 'EACCES' }], state: 'succeeded' }],
    ]);
  });

  it('reports nothing when the server has no scans route, and takes a conflict at close as closed', async () => {
    const client = new FakeRuns();
    client.openError = new HoardHttpError('not_found', 'Route not found', 404);
    const skipped: string[] = [];
    const none = await RunReporter.open(client, OPEN, new ScanProgress(), { onSkip: (why) => skipped.push(why) });
    await jest.advanceTimersByTimeAsync(60_000);
    await none.close('succeeded');
    expect([none.id, client.reports, skipped]).toEqual([null, [], ['the server does not keep scan runs']]);

    client.openError = new HoardHttpError('unavailable', 'down', 503);
    await expect(RunReporter.open(client, OPEN, new ScanProgress())).rejects.toThrow('down');

    client.openError = null;
    const sut = await RunReporter.open(client, OPEN, new ScanProgress());
    client.reportScan = async () => {
      throw new HoardHttpError('conflict', 'closed', 409);
    };
    await expect(sut.close('cancelled')).resolves.toBeUndefined();
  });
});
