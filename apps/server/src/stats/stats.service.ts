import { Inject, Injectable } from '@nestjs/common';
import { Stats } from '@app/contracts';
import { STATS_READER, StatsReader } from '@app/metadata';

/** Totals across every host: how much is recorded, how much is stored, and the saving. */
@Injectable()
export class StatsService {
  constructor(@Inject(STATS_READER) private readonly metadata: StatsReader) {}

  async stats(): Promise<Stats> {
    const s = await this.metadata.stats();
    const ratio = s.stored_bytes > 0 ? s.logical_bytes / s.stored_bytes : 1;
    return { ...s, dedup_ratio: Math.round(ratio * 1000) / 1000 };
  }
}
