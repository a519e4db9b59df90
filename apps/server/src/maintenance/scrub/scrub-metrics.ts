import { Counter, Gauge, type Registry } from 'prom-client';
import type { MetricsService } from '../../metrics/metrics.service';

/** What scrubs export to `/metrics`: what they read and what they found. */
export interface ScrubMetrics {
  blobs: Counter;
  bytes: Counter;
  problems: Counter<'problem'>;
  lastProblems: Gauge<'problem'>;
}

/** The scrub's metrics in the app's registry, made on first use (every ScrubJob of one app shares them). */
export function scrubMetrics(metrics: MetricsService): ScrubMetrics {
  const registry = metrics.registry;
  return {
    blobs: once(registry, 'hoard_scrub_blobs_checked_total', () => ({
      help: 'Blobs scrubs read and hashed, or found missing, on this instance',
    })),
    bytes: once(registry, 'hoard_scrub_bytes_checked_total', () => ({ help: 'Bytes scrubs read and hashed on this instance' })),
    problems: once(registry, 'hoard_scrub_problems_total', () => ({
      help: 'Contents scrubs found corrupt or missing and quarantined, by problem (dry runs quarantine nothing and count nothing)',
      labelNames: ['problem'] as const,
    })),
    lastProblems: onceGauge(registry, 'hoard_scrub_last_problems', () => ({
      help: 'Contents found corrupt or missing by the last scrub that ended on this instance (dry runs too), by problem',
      labelNames: ['problem'] as const,
    })),
  };
}

function once<L extends string>(registry: Registry, name: string, config: () => { help: string; labelNames?: readonly L[] }): Counter<L> {
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter<L>({ name, ...config(), registers: [registry] });
}

function onceGauge<L extends string>(
  registry: Registry,
  name: string,
  config: () => { help: string; labelNames?: readonly L[] },
): Gauge<L> {
  return (registry.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge<L>({ name, ...config(), registers: [registry] });
}
