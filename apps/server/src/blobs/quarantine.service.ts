import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Sha256 } from '@app/contracts';
import { BLOB_REGISTRY, BlobRegistry } from '@app/metadata';
import { BLOB_STORE, BlobStore } from '@app/storage';
import { MetricsService } from '../metrics/metrics.service';

/**
 * The one way content found bad (corrupt, the wrong size, missing) is taken out of service, for the readers that
 * find it and for a scrub: its stored copy is moved aside (never deleted) and the registry marks it quarantined, so
 * it is never served again, its records show `content_available: false` and clients are asked to upload it again;
 * the next verified upload heals it.
 */
@Injectable()
export class QuarantineService {
  private readonly logger = new Logger('Quarantine');

  constructor(
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    @Inject(BLOB_REGISTRY) private readonly registry: BlobRegistry,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Quarantines `sha256`. The copy is moved aside before the registry is marked: an upload that heals the content in
   * between is then at worst asked for again, never reported available while its copy is gone.
   * @param reason what was found, for the log
   * @returns whether a stored copy was moved aside
   */
  async quarantine(sha256: Sha256, reason: string): Promise<boolean> {
    const moved = await this.store.quarantine(sha256);
    await this.registry.quarantineBlob(sha256, new Date());
    this.metrics.quarantines.inc();
    this.logger.error(`content ${sha256} quarantined (${moved ? 'stored copy moved aside' : 'no stored copy'}): ${reason}`);
    return moved;
  }
}
