import type { StatsReader } from '@app/metadata';
import { MetricsService } from './metrics.service';

describe('MetricsService', () => {
  const metadata = { stats: async () => ({ blobs: 3, stored_bytes: 300 }) } as unknown as StatsReader;
  const sut = () => new MetricsService(metadata);

  it('names the default process metrics as prom-client does, without a prefix', async () => {
    const text = (await sut().render()).body;
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(text).toMatch(new RegExp(`^${name} \\d`, 'm'));
    }
    expect(text).not.toMatch(/^hoard_(process|nodejs)_/m);
  });

  it("keeps Hoard's own metrics under hoard_", async () => {
    const text = (await sut().render()).body;
    expect(text).toMatch(/^hoard_blobs_stored 3$/m);
    expect(text).toMatch(/^hoard_blob_bytes_stored 300$/m);
    expect(text).toContain('# TYPE hoard_blob_uploads_total counter');
  });
});
