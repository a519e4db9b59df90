import { Inject, Injectable } from '@nestjs/common';
import { SCAN_RUN_STORE, type HostRecord, type ScanRunState, type ScanRunStore } from '@app/metadata';
import { Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';

const STATES: readonly ScanRunState[] = ['running', 'succeeded', 'failed', 'cancelled'];

/**
 * The scan runs' metrics, read from the store at scrape time so that every instance reports the same values
 * whichever instance served the runs: the last success of each host (the alert on "no backup from a host in 26
 * hours" reads it) and the runs on record by state.
 */
@Injectable()
export class ScanMetrics {
  constructor(metrics: MetricsService, @Inject(SCAN_RUN_STORE) store: ScanRunStore) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'hoard_host_last_success_timestamp_seconds',
      help: 'When the last successful scan run of each host ended (Unix seconds); absent for a host that never succeeded',
      labelNames: ['hostname'] as const,
      registers,
      async collect() {
        this.reset();
        let hosts: HostRecord[];
        try {
          hosts = await store.listHosts();
        } catch {
          return;
        }
        for (const host of hosts) {
          if (host.last_success_at) this.set({ hostname: host.hostname }, host.last_success_at.getTime() / 1000);
        }
      },
    });
    new Gauge({
      name: 'hoard_scans_total',
      help: 'Scan runs on record, by state (running, succeeded, failed, cancelled)',
      labelNames: ['state'] as const,
      registers,
      async collect() {
        const counts = await store.countScanRuns().catch(() => null);
        for (const state of STATES) this.set({ state }, counts ? (counts[state] ?? 0) : Number.NaN);
      },
    });
  }
}
