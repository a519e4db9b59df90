import { Logger } from '@nestjs/common';
import { type Sha256, sha256Of } from '@app/contracts';
import { SqliteMetadataStore } from '@app/metadata';
import { MemoryBlobStore, MemoryPackIndex, PackedBlobStore } from '@app/storage';
import { MemoryPackFiles } from '@app/storage/testing/memory-pack-files';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AccessTokensService } from '../auth/access-tokens.service';
import { AdminBootstrapService } from '../auth/admin-bootstrap.service';
import { KeysService } from '../auth/keys.service';
import { BlobsService } from '../blobs/blobs.service';
import { ContentIntakeService } from '../blobs/content-intake.service';
import { PackUploadService } from '../blobs/pack-upload.service';
import { QuarantineService } from '../blobs/quarantine.service';
import { AppConfig } from '../config/app-config';
import { ServerSettings, ServerSettingsValues } from '../config/server-settings';
import { FileRecordsMapper } from '../content/file-records.mapper';
import { TenantGate } from '../content/tenant-gate';
import { FilesService } from '../files/files.service';
import { GcJob } from '../maintenance/gc/gc.job';
import { MetricsService } from '../metrics/metrics.service';
import { ObjectsService } from '../objects/objects.service';

/** The services wired as the app wires them, on in-memory fakes: a MemoryBlobStore and a `:memory:` SQLite store. */
export interface ServiceFixture {
  store: MemoryBlobStore;
  metadata: SqliteMetadataStore;
  settings: ServerSettings;
  metrics: MetricsService;
  blobs: BlobsService;
  packs: PackUploadService;
  files: FilesService;
  keys: KeysService;
  tokens: AccessTokensService;
  bootstrap: AdminBootstrapService;
  intake: ContentIntakeService;
  objects: ObjectsService;
  gate: TenantGate;
  close(): Promise<void>;
}

/** The settings of the default configuration, with `overrides`. */
export function testSettings(overrides: Partial<ServerSettingsValues> = {}): ServerSettings {
  return new ServerSettings({ ...ServerSettings.from(new AppConfig()), ...overrides });
}

/**
 * The one place specs build services: each on fresh in-memory stores (the metadata store initialised), with the
 * default settings and `overrides`.
 */
export async function serviceFixture(overrides: Partial<ServerSettingsValues> = {}): Promise<ServiceFixture> {
  Logger.overrideLogger(false);
  const store = new MemoryBlobStore();
  const metadata = new SqliteMetadataStore({ path: ':memory:' });
  await metadata.init();
  // A data directory of its own: content of unknown digest is spooled there.
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'hoard-fixture-'));
  const settings = testSettings({ dataDir, ...overrides });
  const metrics = new MetricsService(metadata);
  const gate = new TenantGate(metadata, settings);
  const mapper = new FileRecordsMapper(metadata, gate);
  const quarantine = new QuarantineService(store, metadata, metrics);
  const blobs = new BlobsService(store, metadata, metadata, metadata, settings, mapper, metrics, quarantine, gate);
  const packs = new PackUploadService(blobs, settings);
  const files = new FilesService(metadata, metadata, metadata, mapper, gate);
  const keys = new KeysService(metadata);
  const tokens = new AccessTokensService(keys, settings);
  const bootstrap = new AdminBootstrapService(settings, keys);
  const intake = new ContentIntakeService(blobs, settings);
  const objects = new ObjectsService(metadata, metadata, blobs, intake, settings);
  return {
    store,
    metadata,
    settings,
    metrics,
    blobs,
    packs,
    files,
    keys,
    tokens,
    bootstrap,
    intake,
    objects,
    gate,
    close: async () => {
      await objects.onApplicationShutdown();
      await metadata.close();
      if (overrides.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The services of a server whose small content goes to packs (all in memory), with its garbage collection. */
export interface GcFixture {
  metadata: SqliteMetadataStore;
  /** The blob store the services see: packs over `loose`. */
  store: PackedBlobStore;
  loose: MemoryBlobStore;
  index: MemoryPackIndex;
  packFiles: MemoryPackFiles;
  blobs: BlobsService;
  files: FilesService;
  objects: ObjectsService;
  quarantine: QuarantineService;
  sut: GcJob;
  close(): Promise<void>;
}

/**
 * Services on a PackedBlobStore (content under `threshold` bytes packed, packs sealed at `packSize`) and a `:memory:`
 * SQLite store, with a GcJob over them; `overrides` as for {@link serviceFixture} (the grace, the rewrite share).
 */
export async function gcFixture(
  overrides: Partial<ServerSettingsValues> = {},
  packing: { threshold?: number; packSize?: number } = {},
): Promise<GcFixture> {
  Logger.overrideLogger(false);
  const metadata = new SqliteMetadataStore({ path: ':memory:' });
  await metadata.init();
  const loose = new MemoryBlobStore();
  const index = new MemoryPackIndex();
  const packFiles = new MemoryPackFiles();
  const store = new PackedBlobStore({
    loose,
    index,
    files: packFiles,
    threshold: packing.threshold ?? 1024,
    packSize: packing.packSize ?? 4096,
  });
  await store.init();
  const dataDir = mkdtempSync(join(tmpdir(), 'hoard-fixture-'));
  const settings = testSettings({ dataDir, ...overrides });
  const metrics = new MetricsService(metadata);
  const gate = new TenantGate(metadata, settings);
  const mapper = new FileRecordsMapper(metadata, gate);
  const quarantine = new QuarantineService(store, metadata, metrics);
  const blobs = new BlobsService(store, metadata, metadata, metadata, settings, mapper, metrics, quarantine, gate);
  const files = new FilesService(metadata, metadata, metadata, mapper, gate);
  const objects = new ObjectsService(metadata, metadata, blobs, new ContentIntakeService(blobs, settings), settings);
  const sut = new GcJob(metadata, store, store.maintenance(), quarantine, settings);
  const close = async () => {
    await objects.onApplicationShutdown();
    await store.close();
    await metadata.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { metadata, store, loose, index, packFiles, blobs, files, objects, quarantine, sut, close };
}

/** The keys service of a second server instance that shares the fixture's metadata store. */
export function secondKeysService(f: ServiceFixture): KeysService {
  return new KeysService(f.metadata);
}

/** Random content and its digest. */
export function content(size: number): { bytes: Buffer; sha: Sha256 } {
  const bytes = randomBytes(size);
  return { bytes, sha: sha256Of(createHash('sha256').update(bytes)) };
}

/** A body that records whether anything read it. */
export function watchedBody(bytes: Buffer): Readable & { wasRead(): boolean } {
  let read = false;
  const body = new Readable({
    read() {
      read = true;
      this.push(bytes);
      this.push(null);
    },
  });
  return Object.assign(body, { wasRead: () => read });
}

/** Reads a stream to its end or its failure. */
export async function drain(stream: Readable): Promise<{ bytes: Buffer; error: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { bytes: Buffer.concat(chunks), error: null };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error };
  }
}

/** The value of a counter of the fixture's metrics (all label sets added up, or those matching `labels`). */
export async function counter(metrics: MetricsService, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return metric.values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((n, v) => n + v.value, 0);
}
