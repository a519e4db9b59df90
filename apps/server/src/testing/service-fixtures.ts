import { Logger } from '@nestjs/common';
import { type Sha256, sha256Of } from '@app/contracts';
import { SqliteMetadataStore } from '@app/metadata';
import { MemoryBlobStore } from '@app/storage';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobsService } from '../blobs/blobs.service';
import { QuarantineService } from '../blobs/quarantine.service';
import { AppConfig } from '../config/app-config';
import { FileRecordsMapper } from '../files/file-records.mapper';
import { FilesService } from '../files/files.service';
import { MetricsService } from '../metrics/metrics.service';

/** The services wired as the app wires them, on in-memory fakes: a MemoryBlobStore and a `:memory:` SQLite store. */
export interface ServiceFixture {
  store: MemoryBlobStore;
  metadata: SqliteMetadataStore;
  metrics: MetricsService;
  blobs: BlobsService;
  files: FilesService;
  close(): Promise<void>;
}

export async function serviceFixture(): Promise<ServiceFixture> {
  Logger.overrideLogger(false);
  const store = new MemoryBlobStore();
  const metadata = new SqliteMetadataStore({ path: ':memory:' });
  await metadata.init();
  const metrics = new MetricsService(metadata);
  const mapper = new FileRecordsMapper(metadata);
  const quarantine = new QuarantineService(store, metadata, metrics);
  const blobs = new BlobsService(store, metadata, metadata, new AppConfig(), mapper, metrics, quarantine);
  const files = new FilesService(metadata, metadata, mapper);
  return { store, metadata, metrics, blobs, files, close: () => metadata.close() };
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
