import { Inject, Injectable, Module } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BLOB_REGISTRY,
  BlobRegistry,
  CONTENT_COLLECTOR,
  ContentCollector,
  FILE_RECORD_STORE,
  FileRecordStore,
  JOB_STORE,
  JobStore,
  KEY_STORE,
  KeyStore,
  METADATA_LIFECYCLE,
  MetadataLifecycle,
  RECORD_PRUNER,
  RecordPruner,
  RETENTION_STORE,
  RetentionStore,
  SqliteMetadataStore,
  STATS_READER,
  StatsReader,
} from '@app/metadata';
import { BLOB_STORE, PACK_MAINTENANCE, type PackMaintenance } from '@app/storage';
import { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { StoresModule } from './stores.module';

/** A consumer outside StoresModule, as the services are: it sees only the exported port tokens. */
@Injectable()
class PortsConsumer {
  constructor(
    @Inject(METADATA_LIFECYCLE) readonly lifecycle: MetadataLifecycle,
    @Inject(FILE_RECORD_STORE) readonly records: FileRecordStore,
    @Inject(BLOB_REGISTRY) readonly registry: BlobRegistry,
    @Inject(KEY_STORE) readonly keys: KeyStore,
    @Inject(STATS_READER) readonly stats: StatsReader,
    @Inject(JOB_STORE) readonly jobs: JobStore,
    @Inject(RETENTION_STORE) readonly retention: RetentionStore,
    @Inject(RECORD_PRUNER) readonly pruner: RecordPruner,
    @Inject(CONTENT_COLLECTOR) readonly collector: ContentCollector,
    @Inject(PACK_MAINTENANCE) readonly packs: PackMaintenance,
  ) {}
}

describe('StoresModule', () => {
  let dir: string;
  let app: INestApplicationContext;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hoard-stores-'));
    const config = Object.assign(new AppConfig(), { HOARD_DATA_DIR: join(dir, 'data') });
    @Module({ imports: [ConfigModule.forRoot(config), StoresModule.forRoot()], providers: [PortsConsumer] })
    class ConsumerModule {}
    app = await NestFactory.createApplicationContext(ConsumerModule, { logger: false });
    await app.init();
  });

  afterEach(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('provides every metadata port from one initialised adapter, and the blob store', async () => {
    const sut = app.get(PortsConsumer);
    const ports = [sut.lifecycle, sut.records, sut.registry, sut.keys, sut.stats, sut.jobs, sut.retention, sut.pruner, sut.collector];
    expect(ports[0]).toBeInstanceOf(SqliteMetadataStore);
    expect(ports.every((port) => port === ports[0])).toBe(true);
    await expect(sut.lifecycle.ping()).resolves.toBeUndefined();
    expect(await sut.stats.stats()).toEqual({ files: 0, hosts: 0, objects: 0, blobs: 0, stored_bytes: 0, logical_bytes: 0 });
    expect(app.get(BLOB_STORE).kind).toBe('local');
    expect(await sut.packs.packs()).toEqual([]);
  });

  it('closes the adapter when the application shuts down', async () => {
    const lifecycle = app.get(PortsConsumer).lifecycle;
    await app.close();
    await expect(lifecycle.ping()).rejects.toMatchObject({ code: 'unavailable' });
  });
});
