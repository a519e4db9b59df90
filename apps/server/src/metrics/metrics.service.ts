import { Inject, Injectable } from '@nestjs/common';
import { STATS_READER, StatsReader } from '@app/metadata';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of this process (one registry per app instance). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'hoard_http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly latency = new Histogram({
    name: 'hoard_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly bytesIn = new Counter({
    name: 'hoard_http_request_bytes_total',
    help: 'Request body bytes declared by Content-Length',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  readonly bytesOut = new Counter({
    name: 'hoard_http_response_bytes_total',
    help: 'Response body bytes declared by Content-Length',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  readonly blobUploads = new Counter({
    name: 'hoard_blob_uploads_total',
    help: 'Blob uploads, by result: created, existing, aborted (cut off by the client), or the error code',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly blobBytesIn = new Counter({
    name: 'hoard_blob_bytes_in_total',
    help: 'Bytes of newly stored (verified) content',
    registers: [this.registry],
  });

  readonly corruptReads = new Counter({
    name: 'hoard_corrupt_reads_total',
    help: 'Full reads of content whose bytes were not the content (problem: corrupt, truncated, oversized, missing)',
    labelNames: ['problem'] as const,
    registers: [this.registry],
  });

  readonly quarantines = new Counter({
    name: 'hoard_quarantines_total',
    help: 'Contents moved aside as corrupt, the wrong size or missing',
    registers: [this.registry],
  });

  constructor(@Inject(STATS_READER) metadata: StatsReader) {
    // Named as prom-client names them (process_*, nodejs_*), so that the usual dashboards find them.
    collectDefaultMetrics({ register: this.registry });
    // Both gauges come from one stats query, made at most once per second of scrapes.
    let last: Promise<{ blobs: number; stored_bytes: number }> | null = null;
    let lastAt = 0;
    const current = () => {
      if (!last || Date.now() - lastAt > 1000) {
        lastAt = Date.now();
        last = metadata.stats().catch(() => ({ blobs: Number.NaN, stored_bytes: Number.NaN }));
      }
      return last;
    };
    new Gauge({
      name: 'hoard_blobs_stored',
      help: 'Distinct contents stored',
      registers: [this.registry],
      async collect() {
        this.set((await current()).blobs);
      },
    });
    new Gauge({
      name: 'hoard_blob_bytes_stored',
      help: 'Bytes of distinct contents stored',
      registers: [this.registry],
      async collect() {
        this.set((await current()).stored_bytes);
      },
    });
  }

  /** Records one answered request. */
  observe(method: string, route: string, status: number, seconds: number, bytesIn: number, bytesOut: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.latency.observe({ method, route }, seconds);
    if (bytesIn > 0) this.bytesIn.inc({ route }, bytesIn);
    if (bytesOut > 0) this.bytesOut.inc({ route }, bytesOut);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
