import { Controller, Get, Inject, Logger, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { HealthSchema, HoardError, ReadySchema, ServerInfo, ServerInfoSchema } from '@app/contracts';
import { METADATA_STORE, MetadataStore } from '@app/metadata';
import { BLOB_STORE, BlobStore } from '@app/storage';
import { Endpoint } from '../common/endpoint.decorator';
import { SERVER_VERSION } from '../version';

const CHECK_TIMEOUT_MS = 5_000;

@Controller()
export class HealthController {
  private readonly logger = new Logger('Readiness');

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(METADATA_STORE) private readonly metadata: MetadataStore,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
  ) {}

  @Get()
  @Endpoint({
    access: 'public',
    tag: 'health',
    summary: 'Name, version and where the docs are',
    responses: { 200: { description: 'The server', schema: ServerInfoSchema } },
  })
  info(): ServerInfo {
    return { name: 'hoard', version: SERVER_VERSION, docs: '/docs' };
  }

  @Get('health')
  @Endpoint({
    access: 'public',
    tag: 'health',
    summary: 'Liveness: 200 while the process runs (answered even while the server sheds load)',
    responses: { 200: { description: 'Alive', schema: HealthSchema } },
    exemptFromPressure: true,
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
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
      return indicator.down({ kind, message: 'not answering' });
    } finally {
      clearTimeout(timer);
    }
  }

  @Get('ready')
  @Endpoint({
    access: 'public',
    tag: 'health',
    summary: 'Readiness: 200 when the metadata store and the blob store answer, else 503',
    responses: { 200: { description: 'Both stores answer', schema: ReadySchema } },
    exemptFromPressure: true,
  })
  async ready(): Promise<{ status: 'ok'; checks: Record<string, unknown> }> {
    try {
      const result = await this.health.check([
        () => this.probe('metadata', this.metadata.kind, () => this.metadata.ping()),
        () => this.probe('blobs', this.blobs.kind, () => this.blobs.ping()),
      ]);
      return { status: 'ok', checks: result.details };
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      const details = (err.getResponse() as { details?: Record<string, { status: string }> }).details ?? {};
      const down = Object.keys(details).filter((k) => details[k].status !== 'up');
      throw new HoardError('unavailable', `Not ready: ${down.map((k) => `${k} store`).join(' and ')} not answering`, {
        details: { checks: details },
      });
    }
  }
}
