import { useEffect, useRef, useState } from 'preact/hooks';
import type { FileRecord, Host, ObjectInfo } from '@app/contracts/types';
import { get, type Page } from '../api';
import { ErrorNote, Loading, Size, Time, useLoad } from '../components/common';
import { count } from '../format';
import { href, navigate } from '../router';
import { session } from '../session';
import { isLimited } from '../tenants';
import { childPath, crumbs, type Entry, fold, type Place, sorted } from './listing';

/** Paths asked for per page: a page of a large directory lists at once, and the next only on demand. */
export const PAGE_SIZE = 500;
/** The buckets opened in this tab (the API lists no buckets); forgotten at sign-out. */
const BUCKETS = 'hoard.buckets';

function recentBuckets(): string[] {
  return (sessionStorage.getItem(BUCKETS) ?? '').split('\n').filter(Boolean);
}

function rememberBucket(name: string): void {
  sessionStorage.setItem(BUCKETS, [name, ...recentBuckets().filter((b) => b !== name)].slice(0, 20).join('\n'));
}

/**
 * Hosts (from `GET /api/v1/hosts`, which holds only a limited key's own) and buckets: a limited key's are its
 * tenants; any other key opens one by name (the API lists objects per bucket, not buckets).
 */
function Places() {
  const who = session.identity();
  const limited = who !== null && isLimited(who);
  const hosts = useLoad(() => get<{ items: Host[] }>('/hosts'), []);
  const [bucket, setBucket] = useState('');
  const open = (event: Event) => {
    event.preventDefault();
    const name = bucket.trim();
    if (!name) return;
    rememberBucket(name);
    navigate(href('browse', { bucket: name }));
  };
  return (
    <section aria-labelledby="browse-title">
      <h1 id="browse-title">Browse</h1>
      <h2>Hosts</h2>
      <ErrorNote error={hosts.error} />
      {limited && who.hostnames.length === 0 ? (
        <p>This key is limited to buckets: it sees no host.</p>
      ) : hosts.data ? (
        hosts.data.items.length === 0 ? (
          <p>{limited ? "None of this key's hosts has recorded files yet." : 'No host has recorded files yet.'}</p>
        ) : (
          <ul class="places" aria-label="Hosts">
            {hosts.data.items.map((h) => (
              <li key={h.hostname}>
                <a href={href('browse', { host: h.hostname })}>{h.hostname}</a> <span class="muted">{count(h.files)} files</span>
              </li>
            ))}
          </ul>
        )
      ) : (
        <Loading />
      )}
      <h2>Buckets</h2>
      {limited ? (
        who.buckets.length === 0 ? (
          <p>This key is limited to hosts: it sees no bucket.</p>
        ) : (
          <ul class="places" aria-label="This key's buckets">
            {who.buckets.map((b) => (
              <li key={b}>
                <a href={href('browse', { bucket: b })}>{b}</a>
              </li>
            ))}
          </ul>
        )
      ) : (
        <>
          <form class="inline" onSubmit={open}>
            <label for="bucket-name">Bucket</label>
            <input id="bucket-name" value={bucket} onInput={(e) => setBucket((e.target as HTMLInputElement).value)} placeholder="name" />
            <button type="submit">Open</button>
          </form>
          <ul class="places">
            {recentBuckets().map((b) => (
              <li key={b}>
                <a href={href('browse', { bucket: b })}>{b}</a>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

interface Listing {
  entries: Map<string, Entry>;
  cursor: string | null;
  done: boolean;
}

async function nextPage(
  place: Place,
  cursor: string | null,
): Promise<{ items: Array<{ path: string; size: number; sha256: string; at: string }>; next: string | null }> {
  if (place.kind === 'host') {
    const page = await get<Page<FileRecord>>('/files', {
      hostname: place.name,
      path_prefix: place.dir === '/' ? undefined : place.dir,
      limit: PAGE_SIZE,
      cursor,
    });
    return {
      items: page.items.map((r) => ({ path: r.filepath, size: r.size, sha256: r.sha256, at: r.last_seen_at })),
      next: page.next_cursor,
    };
  }
  const page = await get<Page<ObjectInfo>>(`/objects/${encodeURIComponent(place.name)}`, { prefix: place.dir, limit: PAGE_SIZE, cursor });
  return { items: page.items.map((o) => ({ path: o.key, size: o.size, sha256: o.sha256, at: o.created_at })), next: page.next_cursor };
}

/** One directory of a host or a bucket: its subdirectories and files, a page at a time. */
function Directory({ place }: { place: Place }) {
  const [listing, setListing] = useState<Listing>({ entries: new Map(), cursor: null, done: false });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const generation = useRef(0);

  const more = async (from: Listing, mine: number) => {
    setBusy(true);
    try {
      const entries = new Map(from.entries);
      let cursor = from.cursor;
      let done = false;
      // Deep trees give few entries per page: read on until something new shows or the listing ends.
      for (;;) {
        const page = await nextPage(place, cursor);
        if (mine !== generation.current) return;
        const added = fold(place, entries, page.items);
        cursor = page.next;
        done = cursor === null;
        if (added > 0 || done) break;
      }
      setListing({ entries, cursor, done });
    } catch (err) {
      if (mine === generation.current) setError(err);
    } finally {
      if (mine === generation.current) setBusy(false);
    }
  };

  useEffect(() => {
    generation.current += 1;
    const fresh = { entries: new Map(), cursor: null, done: false };
    setListing(fresh);
    setError(null);
    void more(fresh, generation.current);
  }, [place.kind, place.name, place.dir]);

  const entries = sorted(listing.entries);
  const query = (dir: string) => (place.kind === 'host' ? { host: place.name, dir } : { bucket: place.name, dir });
  return (
    <section aria-labelledby="dir-title">
      <h1 id="dir-title" class="path">
        {place.kind === 'host' ? 'Host' : 'Bucket'} {place.name}
      </h1>
      <nav aria-label="Directory path" class="crumbs">
        <a href={href('browse')}>All</a>
        {crumbs(place).map((c) => (
          <span key={c.dir}>
            {' / '}
            <a href={href('browse', query(c.dir))}>{c.name}</a>
          </span>
        ))}
      </nav>
      <ErrorNote error={error} />
      <div class="table-wrap">
        <table class="listing" aria-busy={busy}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Size</th>
              <th scope="col">Recorded</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => {
              const path = childPath(place, e.name, e.dir);
              const link = e.dir
                ? href('browse', query(path))
                : href('file', place.kind === 'host' ? { host: place.name, path } : { bucket: place.name, key: path });
              return (
                <tr key={`${e.dir ? 'd' : 'f'}:${e.name}`}>
                  <td>
                    <a href={link} class={e.dir ? 'dir' : 'file'}>
                      {e.name}
                      {e.dir ? '/' : ''}
                    </a>
                  </td>
                  <td class="num">{e.size === undefined ? '' : <Size bytes={e.size} />}</td>
                  <td>{e.at ? <Time at={e.at} /> : ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p class="listing-status" aria-live="polite">
        {busy ? 'Loading…' : `${count(entries.length)} entries${listing.done ? '' : ' so far'}`}
      </p>
      {!listing.done && !busy ? (
        <button type="button" onClick={() => void more(listing, generation.current)}>
          Load more
        </button>
      ) : null}
    </section>
  );
}

/** `/console/browse`: hosts and buckets; `?host=h&dir=/a` or `?bucket=b&dir=a/`: a directory. */
export function Browse({ query }: { query: URLSearchParams }) {
  const host = query.get('host');
  const bucket = query.get('bucket');
  if (host) return <Directory place={{ kind: 'host', name: host, dir: query.get('dir') || '/' }} />;
  if (bucket) return <Directory place={{ kind: 'bucket', name: bucket, dir: query.get('dir') ?? '' }} />;
  return <Places />;
}
