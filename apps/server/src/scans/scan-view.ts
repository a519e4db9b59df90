import type { Host, ScanRun } from '@app/contracts';
import type { HostRecord, ScanRunRecord } from '@app/metadata';

/** A stored run as the API shows it: its counts beside its other fields, times as ISO strings. */
export function toScanRunView(run: ScanRunRecord): ScanRun {
  return {
    id: run.id,
    hostname: run.hostname,
    roots: [...run.roots],
    client: { ...run.client },
    key_id: run.key_id,
    state: run.state,
    reason: run.reason,
    ...run.counts,
    failures: run.failures.map((f) => ({ path: f.path, reason: f.reason })),
    failures_total: run.failures_total,
    started_at: run.started_at.toISOString(),
    updated_at: run.updated_at.toISOString(),
    ended_at: run.ended_at?.toISOString() ?? null,
  };
}

/** A host as the API shows it; stale when its last success (if any) is older than `staleBefore`. */
export function toHostView(host: HostRecord, staleBefore: Date): Host {
  const last = host.last_scan;
  return {
    hostname: host.hostname,
    files: host.files,
    logical_bytes: host.logical_bytes,
    last_scan: last ? { id: last.id, state: last.state, ended_at: last.ended_at?.toISOString() ?? null } : null,
    last_success_at: host.last_success_at?.toISOString() ?? null,
    stale: host.last_success_at === null || host.last_success_at.getTime() < staleBefore.getTime(),
  };
}
