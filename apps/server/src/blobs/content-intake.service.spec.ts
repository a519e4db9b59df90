import { HoardError } from '@app/contracts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { content, ServiceFixture, serviceFixture } from '../testing/service-fixtures';
import { ContentIntakeService } from './content-intake.service';

/** A body that yields `chunks`, then fails as a connection cut short does. */
function cutBody(chunks: Buffer[]): Readable {
  return Readable.from(
    (async function* () {
      yield* chunks;
      throw new Error('aborted');
    })(),
  );
}

describe('ContentIntakeService', () => {
  let f: ServiceFixture;
  let sut: ContentIntakeService;
  beforeEach(async () => {
    f = await serviceFixture({ maxBlobBytes: 1024 * 1024 });
    sut = f.intake;
    await sut.onModuleInit();
  });
  afterEach(() => f.close());

  const spool = () => readdirSync(join(f.settings.dataDir, 'spool'));
  const stored = async () => {
    const all: string[] = [];
    for await (const blob of f.store.list()) all.push(blob.sha256);
    return all;
  };

  it('stores small and large bodies under the digest it computes, as an upload by digest would', async () => {
    for (const size of [0, 1, 64 * 1024, 64 * 1024 + 1, 700_000]) {
      const { bytes, sha } = content(size);
      const chunks = [bytes.subarray(0, size >> 1), bytes.subarray(size >> 1)].filter((c) => c.length > 0);
      expect(await sut.store(Readable.from(chunks), { contentLength: size })).toEqual({ sha256: sha, size, created: true });
      expect(await sut.store(Readable.from(chunks))).toEqual({ sha256: sha, size, created: false });
    }
    expect(spool()).toEqual([]);
  });

  it('hands a spooled body to the store as a file it may link in, with the digest computed as it was spooled', async () => {
    const { bytes, sha } = content(700_000);
    const given: Array<{ adoptFile?: string; spooled: Buffer | null }> = [];
    const put = f.store.put.bind(f.store);
    jest.spyOn(f.store, 'put').mockImplementation((digest, body, options) => {
      given.push({ adoptFile: options?.adoptFile, spooled: options?.adoptFile ? readFileSync(options.adoptFile) : null });
      return put(digest, body, options);
    });
    expect(await sut.store(Readable.from([bytes]))).toEqual({ sha256: sha, size: 700_000, created: true });
    expect(given).toHaveLength(1);
    expect(given[0].adoptFile).toMatch(new RegExp(`^${join(f.settings.dataDir, 'spool')}/`));
    expect(given[0].spooled!.equals(bytes)).toBe(true);
    expect(spool()).toEqual([]);
  });

  it('refuses a body over the limit or of another length than declared, storing nothing and leaving no spool file', async () => {
    const cases: Array<[number, number | undefined, string]> = [
      [1024 * 1024 + 1, undefined, 'payload_too_large'],
      [100, undefined, ''],
      [100_000, 99_999, 'invalid_request'],
      [100_000, 100_001, 'invalid_request'],
      [10, 11, 'invalid_request'],
      [10, 2 * 1024 * 1024, 'payload_too_large'],
    ];
    for (const [size, declared, code] of cases) {
      const { bytes } = content(size);
      const outcome = await sut.store(Readable.from([bytes]), { contentLength: declared }).catch((e: HoardError) => e);
      expect([size, declared, outcome instanceof HoardError ? outcome.code : '']).toEqual([size, declared, code]);
    }
    expect(await stored()).toHaveLength(1);
    expect(spool()).toEqual([]);
  });

  it('answers a body cut short as an interrupted upload, storing nothing and leaving no spool file', async () => {
    for (const size of [10, 300_000]) {
      const error = await sut.store(cutBody([content(size).bytes])).catch((e: HoardError) => e);
      expect(error).toMatchObject({ code: 'invalid_request' });
    }
    expect(await stored()).toEqual([]);
    expect(spool()).toEqual([]);
  });

  it('removes what a crashed process left in the spool at start', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(f.settings.dataDir, 'spool', '123.abc.1'), 'left over');
    await sut.onModuleInit();
    expect(spool()).toEqual([]);
  });
});
