import { useState } from 'preact/hooks';
import type { FileRecord, Host } from '@app/contracts/types';
import { get, type Page } from '../api';
import { ErrorNote, Loading, Size, Time, useLoad } from '../components/common';
import { href, navigate } from '../router';

const DIGEST = /^[0-9a-fA-F]{64}$/;

/**
 * Finds files by what the API can look up: a digest (every current record of that content, on every host) or a path
 * (a file or a directory: `path_prefix`), on one host or all.
 */
export function Search({ query }: { query: URLSearchParams }) {
  const q = query.get('q') ?? '';
  const host = query.get('host') ?? '';
  const [text, setText] = useState(q);
  const [hostname, setHostname] = useState(host);
  const hosts = useLoad(() => get<{ items: Host[] }>('/hosts'), []);
  const results = useLoad(async () => {
    if (!q) return null;
    const digest = DIGEST.test(q.trim());
    return get<Page<FileRecord>>('/files', {
      sha256: digest ? q.trim().toLowerCase() : undefined,
      path_prefix: digest ? undefined : q.trim(),
      hostname: host || undefined,
      limit: 200,
    });
  }, [q, host]);
  const submit = (event: Event) => {
    event.preventDefault();
    navigate(href('search', { q: text.trim(), host: hostname }));
  };
  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Search</h1>
      <form class="search" role="search" onSubmit={submit}>
        <label for="search-text">Path or digest</label>
        <input
          id="search-text"
          type="search"
          value={text}
          placeholder="/home/ann/photos or a SHA-256"
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        <label for="search-host">Host</label>
        <select id="search-host" value={hostname} onChange={(e) => setHostname((e.target as HTMLSelectElement).value)}>
          <option value="">every host</option>
          {(hosts.data?.items ?? []).map((h) => (
            <option key={h.hostname} value={h.hostname}>
              {h.hostname}
            </option>
          ))}
        </select>
        <button type="submit">Search</button>
      </form>
      <p class="muted">A path finds that file or everything under that directory; a digest finds every copy of that content.</p>
      <ErrorNote error={results.error} />
      {q && !results.data && !results.error ? <Loading /> : null}
      {results.data ? (
        results.data.items.length === 0 ? (
          <p>Nothing found.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Host</th>
                  <th scope="col">Path</th>
                  <th scope="col">Size</th>
                  <th scope="col">Recorded</th>
                </tr>
              </thead>
              <tbody>
                {results.data.items.map((r) => (
                  <tr key={r.id}>
                    <td>{r.hostname}</td>
                    <td class="path">
                      <a href={href('file', { host: r.hostname, path: r.filepath })}>{r.filepath}</a>
                    </td>
                    <td class="num">
                      <Size bytes={r.size} />
                    </td>
                    <td>
                      <Time at={r.last_seen_at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {results.data.next_cursor ? <p class="muted">The first 200 matches; narrow the path to see others.</p> : null}
          </div>
        )
      ) : null}
    </section>
  );
}
