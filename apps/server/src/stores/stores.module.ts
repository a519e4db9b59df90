import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  BLOB_STORE,
  BlobStore,
  MemoryUploadStore,
  NO_PACKS,
  PACK_MAINTENANCE,
  PackedBlobStore,
  UPLOAD_STORE,
  UploadStore,
} from '@app/storage';
import {
  AUDIT_STORE,
  BLOB_REGISTRY,
  CONTENT_COLLECTOR,
  FILE_RECORD_STORE,
  JOB_STORE,
  KEY_STORE,
  METADATA_LIFECYCLE,
  METADATA_STORE,
  MetadataLifecycle,
  MetadataStore,
  RECORD_PRUNER,
  RETENTION_STORE,
  OBJECT_RECORD_STORE,
  SCAN_RUN_STORE,
  STATS_READER,
  TENANT_CONTENT,
} from '@app/metadata';
import { makeDataDir } from './data-dir';
import { AppConfig } from '../config/app-config';
import { ServerSettings } from '../config/server-settings';
import { createBlobStore, createMetadataStore, createUploadStore } from './store.factory';

/** Every metadata port is the one adapter (one connection), each under its own token. */
const METADATA_PORTS = [
  METADATA_LIFECYCLE,
  FILE_RECORD_STORE,
  BLOB_REGISTRY,
  KEY_STORE,
  STATS_READER,
  JOB_STORE,
  RETENTION_STORE,
  RECORD_PRUNER,
  OBJECT_RECORD_STORE,
  SCAN_RUN_STORE,
  CONTENT_COLLECTOR,
  TENANT_CONTENT,
  AUDIT_STORE,
];

/** Garbage collection's work on packs: the packed store's own, or nothing for a store without packs. */
const PACKS = {
  provide: PACK_MAINTENANCE,
  inject: [BLOB_STORE],
  useFactory: (blobs: BlobStore) => (blobs instanceof PackedBlobStore ? blobs.maintenance() : NO_PACKS),
};

const uploadExpiryMs = (config: AppConfig) => ServerSettings.from(config).uploadExpiryMs;

/** Stores built elsewhere (the specs' in-memory ones), not yet initialised. */
export interface GivenStores {
  blobs: BlobStore;
  metadata: MetadataStore;
  /** Unfinished resumable uploads (default: in memory). */
  uploads?: UploadStore;
}

/**
 * Builds the configured metadata and blob stores once (or takes given ones), initialises them at start and closes
 * them at shutdown. Services inject the narrow metadata ports; the whole adapter stays inside this module.
 */
@Global()
@Module({})
export class StoresModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Stores');

  constructor(
    @Inject(METADATA_LIFECYCLE) private readonly metadata: MetadataLifecycle,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(UPLOAD_STORE) private readonly uploads: UploadStore,
  ) {}

  /** The stores named by the config, or `given` ones. */
  static forRoot(given?: GivenStores): DynamicModule {
    const providers = given
      ? [
          { provide: BLOB_STORE, useValue: given.blobs },
          { provide: METADATA_STORE, useValue: given.metadata },
          {
            provide: UPLOAD_STORE,
            inject: [AppConfig],
            useFactory: (config: AppConfig) => given.uploads ?? new MemoryUploadStore(uploadExpiryMs(config)),
          },
        ]
      : [
          { provide: BLOB_STORE, inject: [AppConfig], useFactory: (config: AppConfig) => createBlobStore(config) },
          {
            provide: METADATA_STORE,
            inject: [AppConfig],
            useFactory: (config: AppConfig) => {
              makeDataDir(config.dataDir);
              return createMetadataStore(config);
            },
          },
          {
            provide: UPLOAD_STORE,
            inject: [AppConfig],
            useFactory: (config: AppConfig) => {
              makeDataDir(config.dataDir);
              return createUploadStore(config, uploadExpiryMs(config));
            },
          },
        ];
    const ports = METADATA_PORTS.map((port) => ({ provide: port, useExisting: METADATA_STORE }));
    return {
      module: StoresModule,
      providers: [...providers, ...ports, PACKS],
      exports: [BLOB_STORE, UPLOAD_STORE, ...METADATA_PORTS, PACK_MAINTENANCE],
    };
  }

  async onModuleInit(): Promise<void> {
    await this.metadata.init();
    await this.blobs.init();
    this.logger.log(`metadata: ${this.metadata.kind}, blobs: ${this.blobs.kind}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.metadata.close(), this.blobs.close(), this.uploads.close()]);
  }
}
