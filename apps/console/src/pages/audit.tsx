import { useEffect, useRef, useState } from 'preact/hooks';
import type { AuditEntryInfo, AuditVerification } from '@app/contracts/types';
import { get, type Page } from '../api';
import { AUDIT_ACTIONS, AUDIT_FILTERS, type AuditFilter, auditQuery, targetSummary, targetText, targetTitle } from '../audit';
import { ErrorNote, Size, Time } from '../components/common';
import { count } from '../format';
import { href, navigate } from '../router';

/** Entries asked for per page. */
export const AUDIT_PAGE = 50;

const FIELDS: Array<{ name: AuditFilter; label: string; type: string; placeholder?: string }> = [
  { name: 'since', label: 'Since', type: 'datetime-local' },
  { name: 'until', label: 'Until', type: 'datetime-local' },
  { name: 'key_id', label: 'Key id', type: 'text', placeholder: 'key_…' },
  { name: 'action', label: 'Action', type: 'text', placeholder: 'blob.put' },
  { name: 'sha256', label: 'Digest', type: 'text', placeholder: 'SHA-256' },
  { name: 'hostname', label: 'Hostname', type: 'text' },
  { name: 'bucket', label: 'Bucket', type: 'text' },
];

type Filters = Partial<Record<AuditFilter, string>>;

function filtersOf(query: URLSearchParams): Filters {
  const filters: Filters = {};
  for (const name of AUDIT_FILTERS) filters[name] = query.get(name) ?? '';
  return filters;
}

interface Entries {
  items: AuditEntryInfo[];
  cursor: string | null;
  done: boolean;
}

/** The filters, kept in the page's URL (a filtered view can be linked to and survives a reload). */
function FilterForm({ filters }: { filters: Filters }) {
  const [draft, setDraft] = useState<Filters>(filters);
  useEffect(() => setDraft(filters), [JSON.stringify(filters)]);
  const submit = (event: Event) => {
    event.preventDefault();
    const query: Record<string, string> = {};
    for (const name of AUDIT_FILTERS) query[name] = draft[name]?.trim() ?? '';
    navigate(href('audit', query));
  };
  return (
    <form class="filters" onSubmit={submit} aria-label="Audit filters">
      {FIELDS.map((f) => (
        <div key={f.name}>
          <label for={`audit-${f.name}`}>{f.label}</label>
          <input
            id={`audit-${f.name}`}
            type={f.type}
            placeholder={f.placeholder}
            list={f.name === 'action' ? 'audit-actions' : undefined}
            value={draft[f.name] ?? ''}
            onInput={(e) => {
              const value = (e.target as HTMLInputElement).value;
              setDraft((d) => ({ ...d, [f.name]: value }));
            }}
          />
        </div>
      ))}
      <datalist id="audit-actions">
        {AUDIT_ACTIONS.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <div class="actions">
        <button type="submit">Filter</button>
        <a href={href('audit')}>Clear filters</a>
      </div>
    </form>
  );
}

/** `GET /api/v1/audit/verify` on demand: whether every chain is whole, and where the first one breaks. */
function Verify() {
  const [result, setResult] = useState<AuditVerification | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const verify = async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await get<AuditVerification>('/audit/verify'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const bad = result?.first_bad;
  return (
    <div class="verify">
      <button type="button" disabled={busy} onClick={() => void verify()}>
        {busy ? 'Verifying…' : 'Verify chains'}
      </button>
      <ErrorNote error={error} />
      <p role="status" data-testid="verify-result" data-ok={result ? String(result.ok) : undefined}>
        {result === null ? (
          ''
        ) : result.ok ? (
          <>
            <span class="badge ok">ok</span> Every chain is whole: {count(result.entries)} entries checked.
          </>
        ) : (
          <>
            <span class="badge warn">broken</span> {count(result.entries)} entries checked; chain <code>{bad?.chain}</code> breaks at its
            entry {bad?.seq}
            {bad?.id ? (
              <>
                {' '}
                (<code>{bad.id}</code>)
              </>
            ) : null}
            :{' '}
            {bad?.reason === 'hash'
              ? 'the entry was changed'
              : bad?.reason === 'link'
                ? 'it does not follow its predecessor (reordered or replaced)'
                : 'entries were removed'}
            .
          </>
        )}
      </p>
    </div>
  );
}

function Targets({ entry }: { entry: AuditEntryInfo }) {
  const { shown, more } = targetSummary(entry.targets, entry.count);
  if (shown.length === 0) return <span class="muted">—</span>;
  return (
    <span class="targets">
      {shown.map((t, i) => (
        <span key={i}>
          {i > 0 ? ', ' : ''}
          <code title={targetTitle(t)}>{targetText(t)}</code>
        </span>
      ))}
      {more > 0 ? <span class="muted"> and {count(more)} more</span> : null}
    </span>
  );
}

/** Audit (admin): the log newest first, filtered and paged by its cursor, and the check of its hash chains. */
export function Audit({ query }: { query: URLSearchParams }) {
  const filters = filtersOf(query);
  const key = JSON.stringify(filters);
  const [entries, setEntries] = useState<Entries>({ items: [], cursor: null, done: false });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);

  const more = async (from: Entries, mine: number) => {
    setBusy(true);
    try {
      const page = await get<Page<AuditEntryInfo>>('/audit', { ...auditQuery(filters), limit: AUDIT_PAGE, cursor: from.cursor });
      if (mine !== generation.current) return;
      setEntries({ items: [...from.items, ...page.items], cursor: page.next_cursor, done: page.next_cursor === null });
    } catch (err) {
      if (mine === generation.current) setError(err);
    } finally {
      if (mine === generation.current) setBusy(false);
    }
  };

  useEffect(() => {
    generation.current += 1;
    const fresh = { items: [], cursor: null, done: false };
    setEntries(fresh);
    setError(null);
    void more(fresh, generation.current);
  }, [key]);

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit</h1>
      <p class="muted">
        Every request that changed something or read content, and every refused key, newest first. Listings are not audited.
      </p>
      <Verify />
      <FilterForm filters={filters} />
      <ErrorNote error={error} />
      <div class="table-wrap">
        <table class="audit" aria-busy={busy}>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Status</th>
              <th scope="col">Key</th>
              <th scope="col">IP</th>
              <th scope="col">Targets</th>
              <th scope="col" class="num">
                Bytes
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.items.map((e) => (
              <tr key={e.id} data-entry-id={e.id}>
                <td>
                  <Time at={e.at} />
                </td>
                <td>{e.action}</td>
                <td class="num">{e.status}</td>
                <td>{e.key_id ? <span title={e.key_id}>{e.key_name ?? e.key_id}</span> : <span class="muted">none</span>}</td>
                <td>{e.ip}</td>
                <td>
                  <Targets entry={e} />
                </td>
                <td class="num">
                  <Size bytes={e.bytes} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {entries.items.length === 0 && !busy && !error ? <p>No entry matches.</p> : null}
      <p class="listing-status" aria-live="polite">
        {busy
          ? 'Loading…'
          : `${count(entries.items.length)} ${entries.items.length === 1 ? 'entry' : 'entries'}${entries.done ? '' : ' so far'}`}
      </p>
      {!entries.done && !busy && !error ? (
        <button type="button" onClick={() => void more(entries, generation.current)}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
