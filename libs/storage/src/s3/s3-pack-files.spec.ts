import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { readAll } from '../testing/blob-bodies';
import { S3PackFiles } from './s3-pack-files';

/** An S3 client that keeps the objects put into it; `taken` makes the next PutObject answer 412 (the key is taken). */
class FakeS3 {
  readonly objects = new Map<string, Buffer>();
  readonly sent: string[] = [];
  taken: Buffer | null = null;

  async send(command: PutObjectCommand | HeadObjectCommand): Promise<unknown> {
    this.sent.push(command.constructor.name);
    const key = command.input.Key!;
    if (command instanceof HeadObjectCommand) return { ContentLength: this.objects.get(key)?.length };
    const { Body, ContentLength, IfNoneMatch } = command.input;
    const body = await readAll(Body as Readable);
    expect([body.length, IfNoneMatch]).toEqual([ContentLength, '*']);
    if (this.taken) {
      this.objects.set(key, this.taken);
      throw Object.assign(new Error('PreconditionFailed'), { $metadata: { httpStatusCode: 412 } });
    }
    this.objects.set(key, body);
    return {};
  }
}

describe('S3PackFiles (staging and upload, on a fake client)', () => {
  const id = '0a'.padEnd(32, '7');
  const key = `pre/packs/0a/${id}`;
  let staging: string;
  let s3: FakeS3;
  let sut: S3PackFiles;

  beforeEach(() => {
    staging = mkdtempSync(join(tmpdir(), 'hoard-staging-spec-'));
    s3 = new FakeS3();
    const client = s3 as unknown as S3Client;
    sut = new S3PackFiles({ client, bucket: 'b', prefix: 'pre/', partSize: 5 << 20, queueSize: 2, stagingDir: staging });
  });
  afterEach(() => rmSync(staging, { recursive: true, force: true }));

  it('stages writes in a file, uploads them as one object on datasync, seals the pack and removes the file on close', async () => {
    const appender = await sut.create(id);
    await Promise.all([appender.write([Buffer.from('cd'), Buffer.from('ef')], 2), appender.write([Buffer.from('ab')], 0)]);
    expect([readdirSync(staging), s3.sent]).toEqual([[`${id}.pack`], []]);
    await appender.datasync();
    expect([s3.sent, s3.objects.get(key)?.toString()]).toEqual([['PutObjectCommand'], 'abcdef']);
    await expect(appender.write([Buffer.from('g')], 6)).rejects.toThrow(`pack ${id} is sealed`);
    await expect(appender.datasync()).rejects.toThrow(`pack ${id} is sealed`);
    await appender.close();
    expect(readdirSync(staging)).toEqual([]);
  });

  it('takes a taken key for its own upload only when the object there has the staged size', async () => {
    s3.taken = Buffer.from('abc');
    const same = await sut.create(id);
    await same.write([Buffer.from('xyz')], 0);
    await expect(same.datasync()).resolves.toBeUndefined();
    await same.close();
    s3.taken = Buffer.from('other');
    const other = await sut.create(id.replace('7', '8'));
    await other.write([Buffer.from('xyz')], 0);
    await expect(other.datasync()).rejects.toMatchObject({ code: 'unavailable' });
    await other.close();
  });

  it('removes, on its first pack, the staging files a killed process left more than an hour ago, and no others', async () => {
    const old = join(staging, `${'1'.repeat(32)}.pack`);
    const fresh = join(staging, `${'2'.repeat(32)}.pack`);
    const foreign = join(staging, 'notes.txt');
    for (const path of [old, fresh, foreign]) writeFileSync(path, 'x');
    const hourAgo = (Date.now() - 3600_000 - 60_000) / 1000;
    for (const path of [old, foreign]) utimesSync(path, hourAgo, hourAgo);
    await (await sut.create(id)).close();
    expect([existsSync(old), existsSync(fresh), existsSync(foreign)]).toEqual([false, true, true]);
  });
});
