import { Inject, Injectable } from '@nestjs/common';
import { Stats } from '@app/contracts';
import { CONTENT_COLLECTOR, ContentCollector, STATS_READER, StatsReader } from '@app/metadata';

/** Totals across every host: how much is recorded, how much is stored, the saving, and what GC would reclaim. */
@Injectable()
export class StatsService {
  constructor(
    @Inject(STATS_READER) private readonly metadata: StatsReader,
    @Inject(CONTENT_COLLECTOR) private readonly collector: ContentCollector,
  ) {}

  async stats(): Promise<Stats> {
    const [s, content] = await Promise.all([this.metadata.stats(), this.collector.contentTotals()]);
    const ratio = s.stored_bytes > 0 ? s.logical_bytes / s.stored_bytes : 1;
    return { ...s, dedup_ratio: Math.round(ratio * 1000) / 1000, ...content };
  }
}
