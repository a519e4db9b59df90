import { Inject, Injectable } from '@nestjs/common';
import { Stats } from '@app/contracts';
import { CONTENT_COLLECTOR, ContentCollector, STATS_READER, StatsReader, StoreStats, TENANT_CONTENT, TenantContent } from '@app/metadata';
import { TenantScope } from '../auth/tenant-scope';

/**
 * Totals across every host: how much is recorded, how much is stored, the saving, and what GC would reclaim. A key
 * limited to tenants sees the totals of its tenants only: their records, the content those name (its quarantined
 * share), and no unreferenced content (none is theirs).
 */
@Injectable()
export class StatsService {
  constructor(
    @Inject(STATS_READER) private readonly metadata: StatsReader,
    @Inject(CONTENT_COLLECTOR) private readonly collector: ContentCollector,
    @Inject(TENANT_CONTENT) private readonly tenants: TenantContent,
  ) {}

  async stats(scope: TenantScope = TenantScope.ALL): Promise<Stats> {
    if (scope.limited) {
      const { quarantined_blobs, ...s } = await this.tenants.statsWithin(scope.tenants);
      return { ...withRatio(s), unreferenced_blobs: 0, unreferenced_bytes: 0, quarantined_blobs };
    }
    const [s, content] = await Promise.all([this.metadata.stats(), this.collector.contentTotals()]);
    return { ...withRatio(s), ...content };
  }
}

function withRatio(s: StoreStats): StoreStats & { dedup_ratio: number } {
  const ratio = s.stored_bytes > 0 ? s.logical_bytes / s.stored_bytes : 1;
  return { ...s, dedup_ratio: Math.round(ratio * 1000) / 1000 };
}
