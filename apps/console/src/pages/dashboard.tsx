import type { Host, ScanRun, Stats } from '@app/contracts/types';
import { get, type Page } from '../api';
import { GrowthChart } from '../components/chart';
import { ErrorNote, Loading, Size, Time, useLoad } from '../components/common';
import { count, humanSize, ratio } from '../format';
import { growthOf } from '../growth';
import { href } from '../router';
import { session } from '../session';
import { isLimited, tenantsText } from '../tenants';

/** How many scan runs the growth chart and the failed runs read (the newest). */
const RUNS = 500;

function Figure({ label, value, title, testId }: { label: string; value: string; title?: string; testId: string }) {
  return (
    <div class="figure">
      <dt>{label}</dt>
      <dd data-testid={testId} title={title}>
        {value}
      </dd>
    </div>
  );
}

/** The store at a glance: stats, growth, hosts and their staleness, failed runs. */
export function Dashboard() {
  const stats = useLoad(() => get<Stats>('/stats'), []);
  const hosts = useLoad(() => get<{ items: Host[] }>('/hosts'), []);
  const runs = useLoad(() => get<Page<ScanRun>>('/scans', { limit: RUNS }), []);
  const s = stats.data;
  const failed = (runs.data?.items ?? []).filter((r) => r.state === 'failed');
  const who = session.identity();
  return (
    <section aria-labelledby="dashboard-title">
      <h1 id="dashboard-title">Dashboard</h1>
      {who && isLimited(who) ? (
        <p class="muted" data-testid="tenant-note">
          The totals of this key's tenants ({tenantsText(who)}): their current files and objects, and the content they name.
        </p>
      ) : null}
      <ErrorNote error={stats.error} />
      <dl class="figures" aria-busy={!s}>
        <Figure
          testId="logical-bytes"
          label="Logical"
          value={s ? humanSize(s.logical_bytes) : '…'}
          title={s ? `${count(s.logical_bytes)} bytes` : undefined}
        />
        <Figure
          testId="stored-bytes"
          label="Stored"
          value={s ? humanSize(s.stored_bytes) : '…'}
          title={s ? `${count(s.stored_bytes)} bytes` : undefined}
        />
        <Figure testId="dedup-ratio" label="Dedup ratio" value={s ? ratio(s.dedup_ratio) : '…'} />
        <Figure testId="files" label="Files" value={s ? count(s.files) : '…'} />
        <Figure testId="hosts" label="Hosts" value={s ? count(s.hosts) : '…'} />
        <Figure testId="blobs" label="Blobs" value={s ? count(s.blobs) : '…'} />
      </dl>
      <h2>Growth</h2>
      <ErrorNote error={runs.error} />
      <div class="chart-box">
        {runs.data && s ? (
          <GrowthChart points={growthOf(runs.data.items, s.stored_bytes)} label="Stored bytes after each scan run" />
        ) : (
          <Loading />
        )}
      </div>
      <h2>Hosts</h2>
      <ErrorNote error={hosts.error} />
      {hosts.data ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Files</th>
                <th scope="col">Size</th>
                <th scope="col">Last scan</th>
                <th scope="col">Last success</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {hosts.data.items.map((h) => (
                <tr key={h.hostname}>
                  <td>
                    <a href={href('browse', { host: h.hostname })}>{h.hostname}</a>
                  </td>
                  <td class="num">{count(h.files)}</td>
                  <td class="num">
                    <Size bytes={h.logical_bytes} />
                  </td>
                  <td>
                    {h.last_scan ? (
                      <>
                        {h.last_scan.state}, <Time at={h.last_scan.ended_at} />
                      </>
                    ) : (
                      'never'
                    )}
                  </td>
                  <td>
                    <Time at={h.last_success_at} />
                  </td>
                  <td>{h.stale ? <span class="badge warn">stale</span> : <span class="badge ok">fresh</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {hosts.data.items.length === 0 ? <p>No host has recorded files yet.</p> : null}
        </div>
      ) : (
        <Loading />
      )}
      <h2>Failed runs</h2>
      {runs.data ? (
        failed.length === 0 ? (
          <p>
            {runs.data.items.length === 0 ? 'No scan run reported yet.' : `No failed run among the last ${count(runs.data.items.length)}.`}
          </p>
        ) : (
          <ul class="runs">
            {failed.map((r) => (
              <li key={r.id}>
                <details>
                  <summary>
                    {r.hostname}: {r.reason ?? 'failed'}, <Time at={r.ended_at} /> ({count(r.failures_total)} failures)
                  </summary>
                  <ul>
                    {r.failures.map((f) => (
                      <li key={f.path}>
                        <code>{f.path}</code>: {f.reason}
                      </li>
                    ))}
                  </ul>
                </details>
              </li>
            ))}
          </ul>
        )
      ) : (
        <Loading />
      )}
    </section>
  );
}
