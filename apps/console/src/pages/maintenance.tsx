import { useEffect, useState } from 'preact/hooks';
import type { Job, JobType, RetentionRuleView } from '@app/contracts/types';
import { call, get, type Page } from '../api';
import { ErrorNote, Loading, Time, useLoad } from '../components/common';
import { count, humanSize } from '../format';

/** How often a running job is asked for its progress. */
const POLL_MS = 1000;
const JOB_TYPES: Array<{ type: JobType; what: string }> = [
  { type: 'prune', what: 'removes the versions no retention rule keeps' },
  { type: 'gc', what: 'removes stored content no record references' },
  { type: 'scrub', what: 'reads and re-hashes everything stored' },
];

const active = (job: Job) => job.state === 'queued' || job.state === 'running';

/** The retention rules as editable JSON (the API's own shape), replaced whole by `PUT /api/v1/retention`. */
function Retention() {
  const rules = useLoad(() => get<{ rules: RetentionRuleView[] }>('/retention'), []);
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const shown = text ?? (rules.data ? JSON.stringify(rules.data.rules, null, 2) : '');
  const save = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setSaved(false);
    try {
      const parsed: unknown = JSON.parse(shown);
      await call('PUT', '/retention', { body: { rules: parsed } });
      setText(null);
      setSaved(true);
      rules.reload();
    } catch (err) {
      setError(err instanceof SyntaxError ? new Error(`Not JSON: ${err.message}`) : err);
    }
  };
  return (
    <form onSubmit={(e) => void save(e)} aria-labelledby="retention-title">
      <h2 id="retention-title">Retention rules</h2>
      <p class="muted">
        Each rule: <code>hostname</code> (or <code>*</code>), <code>path_prefix</code>, <code>keep_last</code>,{' '}
        <code>keep_within_days</code>, <code>keep_deleted_days</code>. With no rule, every version is kept.
      </p>
      <ErrorNote error={rules.error} />
      {rules.data ? (
        <textarea
          id="retention-rules"
          aria-label="Retention rules (JSON)"
          rows={8}
          value={shown}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
      ) : (
        <Loading />
      )}
      <ErrorNote error={error} />
      <p role="status">{saved ? 'Saved.' : ''}</p>
      <button type="submit" disabled={!rules.data}>
        Save rules
      </button>
    </form>
  );
}

function JobResult({ job }: { job: Job }) {
  const p = job.progress;
  return (
    <div class="job" data-job-id={job.id} data-state={job.state}>
      <p>
        <strong>{job.type}</strong> {job.dry_run ? '(dry run)' : ''}: <span class="state">{job.state}</span>, created{' '}
        <Time at={job.created_at} />
      </p>
      {active(job) ? (
        <progress max={p.total ?? undefined} value={p.total ? p.done : undefined} aria-label={`${job.type} progress`}>
          {count(p.done)}
        </progress>
      ) : null}
      <p class="muted">
        {count(p.done)}
        {p.total !== null ? ` of ${count(p.total)}` : ''} items, {humanSize(p.bytes)}
      </p>
      {job.result ? <pre class="result">{JSON.stringify(job.result, null, 2)}</pre> : null}
      {job.error ? <p class="error">{job.error.message}</p> : null}
    </div>
  );
}

/** Runs a job type: a dry run first, then (after seeing what it would do) the real run; progress polled live. */
function JobRunner({ type, what, onChange }: { type: JobType; what: string; onChange: () => void }) {
  const [job, setJob] = useState<Job | null>(null);
  const [dryDone, setDryDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!job || !active(job)) return;
    const timer = setTimeout(() => {
      get<Job>(`/jobs/${encodeURIComponent(job.id)}`).then((next) => {
        setJob(next);
        if (!active(next)) {
          if (next.dry_run && next.state === 'succeeded') setDryDone(true);
          onChange();
        }
      }, setError);
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [job]);
  const start = async (dryRun: boolean) => {
    setError(null);
    try {
      setJob(await call<Job>('POST', '/jobs', { body: { type, dry_run: dryRun } }));
      if (!dryRun) setDryDone(false);
    } catch (err) {
      setError(err);
    }
  };
  const busy = job !== null && active(job);
  return (
    <div class="runner" aria-labelledby={`job-${type}`}>
      <h3 id={`job-${type}`}>{type}</h3>
      <p class="muted">{what}</p>
      <div class="actions">
        <button type="button" disabled={busy} onClick={() => void start(true)}>
          Dry run {type}
        </button>
        <button
          type="button"
          class="danger"
          disabled={busy || !dryDone}
          onClick={() => void start(false)}
          title={dryDone ? '' : 'Run a dry run first'}
        >
          Run {type}
        </button>
      </div>
      <ErrorNote error={error} />
      {job ? <JobResult job={job} /> : null}
    </div>
  );
}

/** Maintenance: retention rules, prune / GC / scrub with a dry run first, and the recent jobs. */
export function Maintenance() {
  const jobs = useLoad(() => get<Page<Job>>('/jobs', { limit: 20 }), []);
  return (
    <section aria-labelledby="maintenance-title">
      <h1 id="maintenance-title">Maintenance</h1>
      <Retention />
      <h2>Jobs</h2>
      <div class="runners">
        {JOB_TYPES.map((j) => (
          <JobRunner key={j.type} type={j.type} what={j.what} onChange={jobs.reload} />
        ))}
      </div>
      <h2>Recent jobs</h2>
      <ErrorNote error={jobs.error} />
      {jobs.data ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">State</th>
                <th scope="col">Dry run</th>
                <th scope="col">Created</th>
                <th scope="col">Ended</th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.items.map((j) => (
                <tr key={j.id}>
                  <td>{j.type}</td>
                  <td>{j.state}</td>
                  <td>{j.dry_run ? 'yes' : 'no'}</td>
                  <td>
                    <Time at={j.created_at} />
                  </td>
                  <td>
                    <Time at={j.ended_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <Loading />
      )}
    </section>
  );
}
