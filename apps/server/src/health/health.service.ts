import { Inject, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { HoardError } from '@app/contracts';
import { METADATA_LIFECYCLE, MetadataLifecycle } from '@app/metadata';
import { BLOB_STORE, BlobStore } from '@app/storage';
import { AppConfig } from '../config/app-config';

/** How long each store has to answer a readiness check. */
export const CHECK_TIMEOUT_MS = 5_000;

/** What `/ready` answers when both stores are ready: each store's check, by name. */
export interface Readiness {
  status: 'ok';
  checks: Record<string, unknown>;
}

/** The blob store answers but has less room than HOARD_MIN_FREE_BYTES asks for. */
class LowSpace extends Error {
  constructor(
    readonly free: number,
    readonly wanted: number,
  ) {
    super(`${free} bytes free, ${wanted} wanted (HOARD_MIN_FREE_BYTES)`);
  }
}

/** Readiness: whether the metadata store and the blob store answer, and the blob store has room. */
@Injectable()
export class HealthService {
  private readonly logger = new Logger('Readiness');

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(METADATA_LIFECYCLE) private readonly metadata: MetadataLifecycle,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly config: AppConfig,
  ) {}

  /**
   * Checks both stores, each within {@link CHECK_TIMEOUT_MS}.
   * @throws HoardError unavailable naming each store that is down, with every check in `details.checks`
   */
  async ready(): Promise<Readiness> {
    try {
      const result = await this.health.check([
        () => this.probe('metadata', this.metadata.kind, () => this.metadata.ping()),
        () => this.probe('blobs', this.blobs.kind, () => this.blobStoreReady()),
      ]);
      return { status: 'ok', checks: result.details };
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      const details = (err.getResponse() as { details?: Record<string, { status: string; message?: string }> }).details ?? {};
      const down = Object.keys(details).filter((k) => details[k].status !== 'up');
      const what = down.map((k) => `${k} store ${details[k].message ?? 'not answering'}`).join(' and ');
      throw new HoardError('unavailable', `Not ready: ${what}`, { details: { checks: details } });
    }
  }

  /** The blob store answers, and (where it can tell) has at least HOARD_MIN_FREE_BYTES free. */
  private async blobStoreReady(): Promise<void> {
    await this.blobs.ping();
    const free = await this.blobs.freeBytes();
    const wanted = this.config.HOARD_MIN_FREE_BYTES;
    if (free !== null && free < wanted) throw new LowSpace(free, wanted);
  }

  private async probe<K extends string>(key: K, kind: string, ping: () => Promise<void>) {
    const indicator = this.indicators.check(key);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
        }),
      ]);
      return indicator.up({ kind });
    } catch (err) {
      // The cause names server paths and hosts: it goes to the log, the answer only says what is down.
      this.logger.warn(`${key} store not ready: ${err instanceof Error ? err.message : String(err)}`);
      if (err instanceof LowSpace) {
        return indicator.down({ kind, message: 'low on space', free_bytes: err.free, min_free_bytes: err.wanted });
      }
      return indicator.down({ kind, message: 'not answering' });
    } finally {
      clearTimeout(timer);
    }
  }
}
