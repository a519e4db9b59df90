import { Inject, Injectable } from '@nestjs/common';
import {
  type CreateScanRequest,
  HoardError,
  type Host,
  type Items,
  type ListScansQuery,
  LIMITS,
  type Page,
  type ScanRun,
  type UpdateScanRequest,
} from '@app/contracts';
import { SCAN_RUN_STORE, type ScanCounts, type ScanRunStore } from '@app/metadata';
import { TenantScope } from '../auth/tenant-scope';
import { ServerSettings } from '../config/server-settings';
import { toHostView, toScanRunView } from './scan-view';

const COUNT_FIELDS = ['files_seen', 'files_hashed', 'bytes_hashed', 'files_uploaded', 'bytes_uploaded', 'files_failed'] as const;

/**
 * Scan runs: a client opens one per scan, reports on it and closes it; only the key that opened a run may report on
 * it, and a closed run never changes. A run silent for the scan timeout is ended as `failed`/`interrupted`, by the
 * sweep and before every read, so that readers never see a dead scan as running.
 */
@Injectable()
export class ScansService {
  constructor(
    @Inject(SCAN_RUN_STORE) private readonly store: ScanRunStore,
    private readonly settings: ServerSettings,
  ) {}

  /** @throws HoardError forbidden for a host outside the key's tenants */
  async open(keyId: string, request: CreateScanRequest, now = new Date(), scope: TenantScope = TenantScope.ALL): Promise<ScanRun> {
    scope.checkWrite('host', request.hostname);
    const run = await this.store.createScanRun(
      { hostname: request.hostname, roots: request.roots, client: request.client, key_id: keyId },
      now,
    );
    return toScanRunView(run);
  }

  /**
   * Applies a report: given counts replace the stored ones, failures are added (the first 1,000 of the run kept,
   * every one counted in `failures_total`), a state closes the run.
   * @throws HoardError not_found; forbidden for a key other than the one that opened it; conflict once it is closed.
   */
  async report(keyId: string, id: string, request: UpdateScanRequest, now = new Date()): Promise<ScanRun> {
    await this.interruptSilent(now);
    const run = await this.store.getScanRun(id);
    if (!run) throw notFound(id);
    if (run.key_id !== keyId) throw new HoardError('forbidden', `Scan run ${id} was opened by another key: only that key reports on it`);
    if (run.state !== 'running') throw closed(id, run.state);
    const counts: ScanCounts = { ...run.counts };
    for (const field of COUNT_FIELDS) if (request[field] !== undefined) counts[field] = request[field];
    const updated = await this.store.updateScanRun(id, { counts, failures: request.failures, state: request.state }, now);
    if (!updated) {
      // Closed (by another report or the sweep) between the read and the write.
      const now2 = await this.store.getScanRun(id);
      throw closed(id, now2?.state ?? 'failed');
    }
    return toScanRunView(updated);
  }

  /** @throws HoardError not_found (also for a run of a host outside the key's tenants) */
  async get(id: string, now = new Date(), scope: TenantScope = TenantScope.ALL): Promise<ScanRun> {
    await this.interruptSilent(now);
    const run = await this.store.getScanRun(id);
    if (!run || !scope.sees('host', run.hostname)) throw notFound(id);
    return toScanRunView(run);
  }

  /** Newest first; only runs of the key's hosts. */
  async list(query: ListScansQuery, now = new Date(), scope: TenantScope = TenantScope.ALL): Promise<Page<ScanRun>> {
    await this.interruptSilent(now);
    const page = await this.store.listScanRuns({
      hostname: query.hostname,
      hostnames: scope.listed('host'),
      state: query.state,
      limit: query.limit ?? LIMITS.listLimitDefault,
      cursor: query.cursor,
    });
    return { items: page.items.map(toScanRunView), next_cursor: page.nextCursor };
  }

  /** Every host (of the key's tenants) with its files, last run, last success and staleness. */
  async hosts(now = new Date(), scope: TenantScope = TenantScope.ALL): Promise<Items<Host>> {
    await this.interruptSilent(now);
    const staleBefore = new Date(now.getTime() - this.settings.hostStaleMs);
    const hosts = (await this.store.listHosts()).filter((h) => scope.sees('host', h.hostname));
    return { items: hosts.map((h) => toHostView(h, staleBefore)) };
  }

  /** Ends every run silent for the scan timeout; returns how many. Conditional in the store, so safe on every instance at once. */
  async interruptSilent(now = new Date()): Promise<number> {
    return this.store.interruptSilentScanRuns(new Date(now.getTime() - this.settings.scanTimeoutMs), now);
  }
}

function notFound(id: string): HoardError {
  return new HoardError('not_found', `No scan run ${id}`);
}

function closed(id: string, state: string): HoardError {
  return new HoardError('conflict', `Scan run ${id} is closed (${state}): it cannot change`, { details: { scan_id: id, state } });
}
