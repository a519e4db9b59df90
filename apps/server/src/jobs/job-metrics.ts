import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';

/** How an attempt at a job ended, for the metrics: a final state, or handed on (back to the queue, lease lost). */
export type AttemptEnd = 'succeeded' | 'failed' | 'cancelled' | 'handed_on';

/** What the runner reports of each attempt at a job. */
export interface JobEvents {
  attemptEnded(type: string, end: AttemptEnd, items: number, bytes: number, at: Date): void;
}

/** The maintenance jobs' metrics, in the server's registry: runs by type and result, work done, last success. */
@Injectable()
export class JobMetrics implements JobEvents {
  private readonly runs: Counter<'type' | 'result'>;
  private readonly items: Counter<'type'>;
  private readonly bytes: Counter<'type'>;
  private readonly lastSuccess: Gauge<'type'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.runs = new Counter({
      name: 'hoard_jobs_total',
      help: 'Maintenance jobs ended on this instance, by type and result (succeeded, failed, cancelled)',
      labelNames: ['type', 'result'],
      registers,
    });
    this.items = new Counter({
      name: 'hoard_job_items_total',
      help: 'Items maintenance jobs went through on this instance (records, blobs), by type',
      labelNames: ['type'],
      registers,
    });
    this.bytes = new Counter({
      name: 'hoard_job_bytes_total',
      help: 'Bytes maintenance jobs went through on this instance, by type',
      labelNames: ['type'],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'hoard_job_last_success_timestamp_seconds',
      help: 'When a job of the type last succeeded on this instance (Unix seconds)',
      labelNames: ['type'],
      registers,
    });
  }

  attemptEnded(type: string, end: AttemptEnd, items: number, bytes: number, at: Date): void {
    if (items > 0) this.items.inc({ type }, items);
    if (bytes > 0) this.bytes.inc({ type }, bytes);
    if (end === 'handed_on') return;
    this.runs.inc({ type, result: end });
    if (end === 'succeeded') this.lastSuccess.set({ type }, at.getTime() / 1000);
  }
}
