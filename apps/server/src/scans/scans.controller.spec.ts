import { AppFixture, appFixture } from '../testing/app-fixture';

describe('ScansController (in process)', () => {
  let f: AppFixture;
  beforeEach(async () => (f = await appFixture()));
  afterEach(() => f.close());

  const OPEN = { hostname: 'web-1', roots: ['/srv'], client: { name: 'hoard', version: '1.0.0' } };
  const open = (key: string) => f.request({ method: 'POST', url: '/api/v1/scans', payload: OPEN }, key);
  const patch = (id: string, payload: object, key: string) => f.request({ method: 'PATCH', url: `/api/v1/scans/${id}`, payload }, key);
  const code = (res: { statusCode: number; json(): any }) => [res.statusCode, res.json().error?.code];

  it('opens a run (201), takes reports from its key only, closes it once, and shows it', async () => {
    const writer = await f.key('write');
    const other = await f.key('write');
    const created = await open(writer);
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect(created.json()).toMatchObject({ state: 'running', hostname: 'web-1', roots: ['/srv'], files_seen: 0, ended_at: null });
    expect(code(await patch(id, { files_seen: 3 }, other))).toEqual([403, 'forbidden']);
    expect(code(await patch(id, { files_seen: 3 }, await f.key('read')))).toEqual([403, 'forbidden']);
    const failures = Array.from({ length: 1001 }, (_, i) => ({ path: `/srv/${i}`, reason: 'EACCES' }));
    const closed = await patch(id, { files_seen: 1003, files_failed: 1001, failures, state: 'failed' }, writer);
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toMatchObject({ state: 'failed', files_seen: 1003, files_failed: 1001, failures_total: 1001 });
    expect(closed.json().failures).toHaveLength(1000);
    expect(code(await patch(id, { state: 'succeeded' }, writer))).toEqual([409, 'conflict']);
    const read = await f.request({ method: 'GET', url: `/api/v1/scans/${id}` }, await f.key('read'));
    expect([read.statusCode, read.json()]).toEqual([200, closed.json()]);
    const list = await f.request({ method: 'GET', url: '/api/v1/scans?hostname=web-1&state=failed' });
    expect(list.json()).toEqual({ items: [closed.json()], next_cursor: null });
    const hosts = await f.request({ method: 'GET', url: '/api/v1/hosts' });
    expect(hosts.json()).toEqual({
      items: [
        {
          hostname: 'web-1',
          files: 0,
          logical_bytes: 0,
          last_scan: { id, state: 'failed', ended_at: closed.json().ended_at },
          last_success_at: null,
          stale: true,
        },
      ],
    });
  });

  it('refuses unknown states and bad bodies with 400, changing nothing', async () => {
    const writer = await f.key('write');
    const id = (await open(writer)).json().id as string;
    expect(code(await patch(id, { state: 'running' }, writer))).toEqual([400, 'validation_failed']);
    expect(code(await patch(id, { state: 'exploded' }, writer))).toEqual([400, 'validation_failed']);
    expect(code(await patch(id, { files_seen: -1 }, writer))).toEqual([400, 'validation_failed']);
    expect(code(await patch(id, { failures: [{ path: '/a' }] }, writer))).toEqual([400, 'validation_failed']);
    expect(code(await f.request({ method: 'POST', url: '/api/v1/scans', payload: { hostname: 'h', roots: [] } }, writer))).toEqual([
      400,
      'validation_failed',
    ]);
    const run = (await f.request({ method: 'GET', url: `/api/v1/scans/${id}` })).json();
    expect(run).toMatchObject({ state: 'running', files_seen: 0, failures_total: 0, updated_at: run.started_at });
    expect(code(await patch('999', { files_seen: 1 }, writer))).toEqual([404, 'not_found']);
    expect(code(await f.request({ method: 'GET', url: '/api/v1/scans?cursor=!!' }))).toEqual([400, 'invalid_request']);
  });

  it('shows the last success per host and the runs by state on /metrics', async () => {
    const writer = await f.key('write');
    const id = (await open(writer)).json().id as string;
    const ended = (await patch(id, { state: 'succeeded' }, writer)).json().ended_at as string;
    await open(writer);
    const body = (await f.request({ method: 'GET', url: '/metrics' }, null)).body;
    expect(body).toContain(`hoard_host_last_success_timestamp_seconds{hostname="web-1"} ${Date.parse(ended) / 1000}`);
    expect(body).toContain('hoard_scans_total{state="running"} 1');
    expect(body).toContain('hoard_scans_total{state="succeeded"} 1');
    expect(body).toContain('hoard_scans_total{state="failed"} 0');
  });
});
