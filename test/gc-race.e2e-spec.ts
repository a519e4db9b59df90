import { randomBytes, randomInt } from 'node:crypto';
import { describeOnFerretDb, describeOnMinio, dropDatabase, mongoS3Env } from './support/backing-suites';
import { Http, randomContent, sha256 } from './support/http';
import { type JobView, waitForJob } from './support/jobs';
import { type RunningServer, startServer } from './support/server';

/** Content under 4 KiB is packed, larger content loose; GC keeps nothing for a grace. */
const ENV = { HOARD_GC_GRACE_SECONDS: '0', HOARD_PACK_THRESHOLD: '4096', HOARD_MAX_UPLOADS_PER_KEY: '1024' };
/** Rounds of upload / record / delete each scan makes while GC runs in a loop. */
const ROUNDS = 12;
const blob = (sha: string) => `/api/v1/blobs/${sha}`;

interface Content {
  sha: string;
  data: Buffer;
}

/** A record the server answered `upload_required: false`: its content must stay stored and served. */
interface NotRequired {
  id: string;
  sha: string;
}

/** Uploads content, sending it again while the server answers 503 (GC took the digest while it arrived). */
async function upload(api: Http, c: Content): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const res = await api.put(blob(c.sha), c.data);
    if (res.status === 200 || res.status === 201) return;
    if (res.status !== 503 || attempt === 20) throw new Error(`upload of ${c.sha}: ${res.status} ${res.text}`);
  }
}

/** GET of content, checked against its digest. */
async function servedWhole(api: Http, sha: string): Promise<[number, string]> {
  const got = await api.get(blob(sha));
  return [got.status, got.status === 200 ? sha256(got.body) : got.text];
}

/**
 * The race: GC (grace 0) and prune in a loop, on two instances sharing FerretDB and MinIO, while two scans keep
 * recording, deleting and re-recording overlapping content; then every record answered "not required" that prune has
 * not removed has its content served and verified by digest.
 */
describeOnFerretDb('GC racing scans on two instances', 'the GC race suite', (ferret) => {
  describeOnMinio('(MinIO)', 'the GC race suite', (minio) => {
    const db = `hoard_gc_race_${randomBytes(4).toString('hex')}`;
    const bucket = `hoard-gc-race-${randomBytes(4).toString('hex')}`;
    let servers: RunningServer[] = [];

    beforeAll(async () => {
      const env = {
        ...ENV,
        HOARD_BOOTSTRAP_ADMIN_KEY: `hk_race_${randomBytes(24).toString('hex')}`,
        ...mongoS3Env(ferret(), minio(), db, bucket),
        S3_PREFIX: 'blobs/',
      };
      servers = [await startServer({ env }), await startServer({ env })];
    }, 120_000);

    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await dropDatabase(ferret().uri, db);
    });

    it('never leaves a record answered "not required" pointing at deleted content', async () => {
      const apis = servers.map((s) => new Http(s.url, s.adminKey));
      // Fresh content every round, the same for both scans: small (packed) and large (loose). Each scan uploads its
      // half ahead of recording (unreferenced meanwhile: GC's to take), and records all of it, so that one scan's
      // records race GC's removal of what the other uploaded ahead.
      const rounds: Content[][] = Array.from({ length: ROUNDS }, () => [
        ...Array.from({ length: 16 }, () => randomContent(100 + randomInt(3000))),
        ...Array.from({ length: 2 }, () => randomContent(5000 + randomInt(1000))),
      ]);
      const bySha = new Map(rounds.flat().map((c) => [c.sha, c]));
      const notRequired: NotRequired[] = [];
      const served: Array<[number, string]> = [];
      const expectedServed: Array<[number, string]> = [];
      let scanning = true;
      const runs: JobView[] = [];
      // Retention keeps one version a path and forgets deleted paths at once: prune keeps releasing content to GC.
      const rules = [{ hostname: '*', path_prefix: '', keep_last: 1, keep_deleted_days: 0 }];
      expect((await apis[0].call('PUT', '/api/v1/retention', { json: { rules } })).status).toBe(200);

      // A job type in a loop, on one instance and then the other; a 409 means the other instance runs it: wait for it.
      const loop = async (type: string) => {
        for (let turn = 0; scanning; turn++) {
          const api = apis[turn % 2];
          const res = await api.post('/api/v1/jobs', { type });
          if (res.status !== 202 && res.status !== 409) throw new Error(`${type} not queued: ${res.status} ${res.text}`);
          const id = res.status === 202 ? res.json().id : res.json().error.details.job_id;
          runs.push(await waitForJob(api, id, undefined, 120_000));
        }
      };
      /** Whether a record still exists (prune may have removed it since: then nothing points at its content). */
      const exists = async (api: Http, id: string) => (await api.get(`/api/v1/files/${id}`)).status === 200;

      // A scan: uploads its half of the round ahead, records the whole round (new paths, and new versions of old
      // ones), uploads what the server asks for, deletes paths, uploads content it never records (garbage for GC),
      // and reads back content it was told is stored (unless its record was pruned meanwhile).
      const scan = async (api: Http, hostname: string, side: number) => {
        for (const [round, contents] of rounds.entries()) {
          await Promise.all(contents.filter((_, i) => i % 2 === side).map((c) => upload(api, c)));
          const files = contents.map((c, i) => ({
            hostname,
            filepath: i < 12 ? `/r${round}/${i}` : `/shared/${randomInt(8)}`,
            sha256: c.sha,
            size: c.data.length,
          }));
          const results = (await api.post('/api/v1/files/batch', { files })).json().results as Array<{
            id: string;
            sha256: string;
            upload_required: boolean;
          }>;
          for (const r of results) if (!r.upload_required) notRequired.push({ id: r.id, sha: r.sha256 });
          await Promise.all(results.filter((r) => r.upload_required).map((r) => upload(api, bySha.get(r.sha256)!)));
          await api.post('/api/v1/files/deleted', { hostname, filepaths: [`/shared/${randomInt(8)}`, `/r${randomInt(round + 1)}/0`] });
          await Promise.all([0, 1, 2].map(() => upload(api, randomContent(100 + randomInt(6000)))));
          for (const { id, sha } of notRequired.slice(-4)) {
            const got = await servedWhole(api, sha);
            if (got[0] === 200 || (await exists(api, id))) {
              served.push(got);
              expectedServed.push([200, sha]);
            }
          }
        }
      };

      const jobs = Promise.all([loop('gc'), loop('prune')]);
      await Promise.all([scan(apis[0], 'host-a', 0), scan(apis[1], 'host-b', 1)]).finally(() => (scanning = false));
      await jobs;

      expect(runs.filter((run) => run.state !== 'succeeded')).toEqual([]);
      // GC removed content and prune removed records while the scans ran (the test is not vacuous).
      const total = (type: string, field: string) => runs.filter((r) => r.type === type).reduce((n, r) => n + (r.result?.[field] ?? 0), 0);
      expect(total('gc', 'blobs_removed')).toBeGreaterThan(0);
      expect(total('prune', 'records_removed')).toBeGreaterThan(0);
      expect(served).toEqual(expectedServed);
      // Every record answered "not required" that still exists has its content, served whole by either instance.
      const checked: unknown[][] = [];
      const expected: unknown[][] = [];
      for (let start = 0; start < notRequired.length; start += 16) {
        const batch = notRequired.slice(start, start + 16).map(async ({ id, sha }, i) => {
          const api = apis[i % 2];
          const record = await api.get(`/api/v1/files/${id}`);
          return record.status === 404 ? null : { sha, got: [record.json().content_available, ...(await servedWhole(api, sha))] };
        });
        for (const one of await Promise.all(batch)) {
          if (!one) continue;
          checked.push(one.got);
          expected.push([true, 200, one.sha]);
        }
      }
      expect(checked.length).toBeGreaterThan(ROUNDS * 9);
      expect(checked).toEqual(expected);
    }, 600_000);
  });
});
