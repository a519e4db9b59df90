import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { INestApplicationContext } from '@nestjs/common';
import { HoardError } from '@app/contracts';
import { METADATA_LIFECYCLE, SqliteMetadataStore } from '@app/metadata';
import { BLOB_STORE, MemoryBlobStore } from '@app/storage';
import { AppConfig } from '../config/app-config';
import { CHECK_TIMEOUT_MS, HealthService } from './health.service';

describe('HealthService', () => {
  let app: INestApplicationContext;
  let metadata: SqliteMetadataStore;
  let blobs: MemoryBlobStore;
  let sut: HealthService;

  beforeEach(async () => {
    Logger.overrideLogger(false);
    metadata = new SqliteMetadataStore({ path: ':memory:' });
    await metadata.init();
    blobs = new MemoryBlobStore();
    await blobs.init();
    const config = Object.assign(new AppConfig(), { HOARD_MIN_FREE_BYTES: 1000 });
    @Module({
      imports: [TerminusModule.forRoot({ logger: false })],
      providers: [
        HealthService,
        { provide: METADATA_LIFECYCLE, useValue: metadata },
        { provide: BLOB_STORE, useValue: blobs },
        { provide: AppConfig, useValue: config },
      ],
    })
    class HealthTestModule {}
    app = await NestFactory.createApplicationContext(HealthTestModule, { logger: false });
    sut = app.get(HealthService);
  });

  afterEach(async () => {
    jest.useRealTimers();
    await app.close();
    await metadata.close();
  });

  async function failure(): Promise<HoardError> {
    const error = await sut.ready().then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(HoardError);
    return error as HoardError;
  }

  it('is ready when both stores answer and the blob store cannot tell its free space', async () => {
    expect(await sut.ready()).toEqual({
      status: 'ok',
      checks: { metadata: { status: 'up', kind: 'sqlite' }, blobs: { status: 'up', kind: 'memory' } },
    });
  });

  it('is ready when the blob store has exactly the free space asked for', async () => {
    jest.spyOn(blobs, 'freeBytes').mockResolvedValue(1000);
    expect((await sut.ready()).checks).toEqual({ metadata: { status: 'up', kind: 'sqlite' }, blobs: { status: 'up', kind: 'memory' } });
  });

  it('is unavailable naming the metadata store when it does not answer, without the cause in the answer', async () => {
    await metadata.close();
    const error = await failure();
    expect(error.code).toBe('unavailable');
    expect(error.message).toBe('Not ready: metadata store not answering');
    expect(error.details).toEqual({
      checks: {
        metadata: { status: 'down', kind: 'sqlite', message: 'not answering' },
        blobs: { status: 'up', kind: 'memory' },
      },
    });
  });

  it('is unavailable naming the blob store with its free and wanted bytes when it is low on space', async () => {
    jest.spyOn(blobs, 'freeBytes').mockResolvedValue(999);
    const error = await failure();
    expect(error.message).toBe('Not ready: blobs store low on space');
    expect(error.details).toEqual({
      checks: {
        metadata: { status: 'up', kind: 'sqlite' },
        blobs: { status: 'down', kind: 'memory', message: 'low on space', free_bytes: 999, min_free_bytes: 1000 },
      },
    });
  });

  it('names both stores when neither answers', async () => {
    await metadata.close();
    jest.spyOn(blobs, 'ping').mockRejectedValue(new Error('/data/blobs: no such directory'));
    const error = await failure();
    expect(error.message).toBe('Not ready: metadata store not answering and blobs store not answering');
  });

  it(`counts a store that has not answered within ${CHECK_TIMEOUT_MS} ms as down`, async () => {
    jest.useFakeTimers();
    jest.spyOn(metadata, 'ping').mockReturnValue(new Promise<void>(() => undefined));
    const answer = sut.ready().then(
      () => null,
      (err: unknown) => err as HoardError,
    );
    await jest.advanceTimersByTimeAsync(CHECK_TIMEOUT_MS - 1);
    let settled = false;
    void answer.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    const error = await answer;
    expect(error?.message).toBe('Not ready: metadata store not answering');
  });
});
