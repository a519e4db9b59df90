import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type RunningMinio, startMinio } from './support/test-servers';
import { RunningServer, startServer } from './support/server';
import { expectStatus, Http, randomContent } from './support/http';

const ROOT = join(__dirname, '..');
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, any> };
const services = compose.services;
const initScript = readFileSync(join(ROOT, 'deploy', 'minio-init.sh'), 'utf8');
const policy = JSON.parse(readFileSync(join(ROOT, 'deploy', 'minio-hoard-policy.json'), 'utf8'));

describe('docker-compose.yml', () => {
  it('pins every image to a version tag', () => {
    const images = Object.entries(services)
      .filter(([, s]) => s.image !== undefined)
      .map(([name, s]) => [name, s.image]);
    expect(images.map(([name]) => name).sort()).toEqual(['minio', 'minio-init', 'mongo']);
    for (const [name, image] of images) {
      const tag = /^[\w./-]+:([\w.-]+)$/.exec(image)?.[1];
      expect({ name, tag }).toEqual({ name, tag: expect.stringMatching(/\d/) });
      expect(tag).not.toMatch(/latest/i);
    }
    expect(services.hoard.build).toBe('.');
  });

  it('requires the MinIO root password, with no default, wherever it is used', () => {
    const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    const uses = text.match(/\$\{MINIO_ROOT_PASSWORD[^}]*\}/g) ?? [];
    expect(uses.length).toBe(2);
    for (const use of uses) expect(use).toMatch(/^\$\{MINIO_ROOT_PASSWORD:\?.+\}$/);
    expect(services.minio.environment.MINIO_ROOT_PASSWORD).toMatch(/^\$\{MINIO_ROOT_PASSWORD:\?/);
    expect(text).not.toMatch(/change-me|MINIO_ROOT_PASSWORD:-/);
  });

  it('publishes the MinIO console on 127.0.0.1 only, and nothing else of MinIO or MongoDB', () => {
    expect(services.minio.ports).toEqual(['127.0.0.1:9001:9001']);
    expect(services.minio.command).toContain('--console-address :9001');
    expect(services['minio-init'].ports).toBeUndefined();
    expect(services.mongo.ports).toBeUndefined();
  });

  it("gives Hoard its own MinIO user, with a policy for its bucket alone, never the root's credentials", () => {
    const env = services.hoard.environment;
    expect(env.AWS_ACCESS_KEY_ID).toBe('${HOARD_S3_ACCESS_KEY:-hoard}');
    expect(env.AWS_SECRET_ACCESS_KEY).toMatch(/^\$\{HOARD_S3_SECRET_KEY:\?.+\}$/);
    expect(JSON.stringify(env)).not.toContain('MINIO_ROOT');
    expect(env.S3_BUCKET).toBe('hoard');

    const init = services['minio-init'];
    expect(init.entrypoint).toEqual(['/bin/sh', '/hoard/minio-init.sh']);
    expect(init.volumes).toEqual([
      './deploy/minio-init.sh:/hoard/minio-init.sh:ro',
      './deploy/minio-hoard-policy.json:/hoard/minio-hoard-policy.json:ro',
    ]);
    expect(init.environment.HOARD_S3_SECRET_KEY).toBe(env.AWS_SECRET_ACCESS_KEY);
    expect(init.environment.HOARD_S3_ACCESS_KEY).toBe(env.AWS_ACCESS_KEY_ID);
    expect(services.hoard.depends_on['minio-init']).toEqual({ condition: 'service_completed_successfully' });
    for (const step of [
      'mc mb --ignore-existing local/hoard',
      'mc admin policy create local hoard-bucket /hoard/minio-hoard-policy.json',
      'mc admin user add local "$HOARD_S3_ACCESS_KEY" "$HOARD_S3_SECRET_KEY"',
      'mc admin policy attach local hoard-bucket --user "$HOARD_S3_ACCESS_KEY"',
    ]) {
      expect(initScript).toContain(step);
    }
    expect(spawnSync('sh', ['-n', join(ROOT, 'deploy', 'minio-init.sh')]).status).toBe(0);

    const resources = policy.Statement.flatMap((s: { Resource: string[] }) => s.Resource).sort();
    expect(resources).toEqual(['arn:aws:s3:::hoard', 'arn:aws:s3:::hoard/*']);
    const actions: string[] = policy.Statement.flatMap((s: { Action: string[] }) => s.Action);
    expect(actions.every((a) => /^s3:[A-Za-z]+$/.test(a))).toBe(true);
    expect(policy.Statement.every((s: { Effect: string }) => s.Effect === 'Allow')).toBe(true);
  });
});

const minioBin = process.env.HOARD_TEST_MINIO_BIN;
if (!minioBin) process.stderr.write('\n!! HOARD_TEST_MINIO_BIN is not set: the MinIO bucket-policy suite is SKIPPED\n\n');

(minioBin ? describe : describe.skip)("Hoard on MinIO with nothing but deploy/minio-hoard-policy.json's rights", () => {
  let minio: RunningMinio;
  let server: RunningServer;
  let limited: { accessKeyId: string; secretAccessKey: string; sessionToken: string };

  beforeAll(async () => {
    minio = await startMinio(minioBin!);
    const root = { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey };
    const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: root });
    await s3.send(new CreateBucketCommand({ Bucket: 'hoard' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'other' }));
    s3.destroy();
    // Credentials that carry the policy as a session policy: exactly what the policy allows, as for Hoard's user.
    const sts = new STSClient({ endpoint: minio.endpoint, region: minio.region, credentials: root });
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:minio:iam:::role/hoard',
        RoleSessionName: 'hoard',
        Policy: JSON.stringify(policy),
        DurationSeconds: 3600,
      }),
    );
    sts.destroy();
    const c = assumed.Credentials!;
    limited = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    server = await startServer({
      env: {
        HOARD_STORAGE: 's3',
        S3_BUCKET: 'hoard',
        S3_ENDPOINT: minio.endpoint,
        S3_REGION: minio.region,
        S3_FORCE_PATH_STYLE: 'true',
        S3_PART_SIZE: String(5 * 1024 * 1024),
        AWS_ACCESS_KEY_ID: limited.accessKeyId,
        AWS_SECRET_ACCESS_KEY: limited.secretAccessKey,
        AWS_SESSION_TOKEN: limited.sessionToken,
      },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await minio?.stop();
  });

  it('is ready, and stores, serves, re-uploads and takes down content, multipart uploads included', async () => {
    const admin = new Http(server.url, server.adminKey);
    expect((await admin.get('/ready')).json().checks.blobs).toEqual({ status: 'up', kind: 's3' });
    for (const size of [1_000, 12 * 1024 * 1024]) {
      const { data, sha } = randomContent(size);
      expectStatus(await admin.put(`/api/v1/blobs/${sha}`, data), 201);
      expectStatus(await admin.put(`/api/v1/blobs/${sha}`, data), 200);
      expect((await admin.head(`/api/v1/blobs/${sha}`)).header('content-length')).toBe(String(size));
      const got = await admin.get(`/api/v1/blobs/${sha}`);
      expectStatus(got, 200);
      expect(got.body.equals(data)).toBe(true);
      expectStatus(await admin.delete(`/api/v1/blobs/${sha}`), 204);
      expect((await admin.get(`/api/v1/blobs/${sha}`)).status).toBe(410);
    }
  });

  it('cannot write to any other bucket with those credentials', async () => {
    const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: limited });
    try {
      await expect(s3.send(new PutObjectCommand({ Bucket: 'other', Key: 'x', Body: 'x' }))).rejects.toMatchObject({ name: 'AccessDenied' });
      await expect(s3.send(new CreateBucketCommand({ Bucket: 'another' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    } finally {
      s3.destroy();
    }
  });
});
