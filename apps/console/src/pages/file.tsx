import { useEffect, useState } from 'preact/hooks';
import type { Clones, FileRecord, ObjectInfo } from '@app/contracts/types';
import { apiUrl, get, linkTokenFor, type Page } from '../api';
import { CopyButton, ErrorNote, Loading, Size, Time, useLoad } from '../components/common';
import { baseName, fileMode } from '../format';
import { href } from '../router';

/** A word for a POSIX shell, quoted only when it needs to be. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The CLI commands that bring a file back (CLI.md): the current version, one at a time, or any version by digest. */
export function restoreCommands(hostname: string, filepath: string, version: FileRecord, current: boolean): string[] {
  const name = shellWord(baseName(filepath));
  if (current) return [`hoard restore --hostname ${shellWord(hostname)} --prefix ${shellWord(filepath)} --to ./restored`];
  return [
    `hoard restore --hostname ${shellWord(hostname)} --prefix ${shellWord(filepath)} --at ${version.last_seen_at} --to ./restored`,
    `hoard get ${version.sha256} -o ${name}`,
  ];
}

/** The token for download links, fetched once the page shows (links follow in the browser, streamed to disk). */
function useLinkToken(): string | null {
  const [token, setToken] = useState<string | null>(null);
  useEffect(() => {
    linkTokenFor().then(setToken, () => setToken(null));
  }, []);
  return token;
}

function Command({ text }: { text: string }) {
  return (
    <div class="command">
      <code>{text}</code>
      <CopyButton text={text} label="Copy the command" />
    </div>
  );
}

function Clone({ sha256 }: { sha256: string }) {
  const clones = useLoad(() => get<Clones>(`/blobs/${sha256}/files`), [sha256]);
  if (clones.error) return <ErrorNote error={clones.error} />;
  if (!clones.data) return <Loading />;
  const { items, objects } = clones.data;
  return (
    <ul class="clones">
      {items.map((r, i) => (
        <li key={r.id}>
          <a href={href('file', { host: r.hostname, path: r.filepath })}>
            {r.hostname}:{r.filepath}
          </a>
          {i === 0 ? <span class="badge">first</span> : null}
        </li>
      ))}
      {objects.map((o) => (
        <li key={`${o.bucket}/${o.key}`}>
          <a href={href('file', { bucket: o.bucket, key: o.key })}>
            {o.bucket}/{o.key}
          </a>{' '}
          <span class="muted">object</span>
        </li>
      ))}
    </ul>
  );
}

/** A file of a host: its current version's facts, every version with a download link, clones, restore commands. */
function HostFile({ host, path }: { host: string; path: string }) {
  const history = useLoad(() => get<{ items: FileRecord[] }>('/files/history', { hostname: host, filepath: path }), [host, path]);
  const token = useLinkToken();
  if (history.error) return <ErrorNote error={history.error} />;
  if (!history.data) return <Loading />;
  const versions = history.data.items;
  const current = versions[0];
  if (!current) return <p>No record of this path.</p>;
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  return (
    <section aria-labelledby="file-title">
      <nav class="crumbs" aria-label="Back">
        <a href={href('browse', { host, dir })}>
          {host}:{dir}
        </a>
      </nav>
      <h1 id="file-title" class="path">
        {path}
      </h1>
      <dl class="facts">
        <dt>Size</dt>
        <dd data-testid="file-size">
          <Size bytes={current.size} />
        </dd>
        <dt>Mode</dt>
        <dd>{fileMode(current.mode)}</dd>
        <dt>Modified</dt>
        <dd>
          <Time at={current.mtime ?? null} />
        </dd>
        <dt>First seen</dt>
        <dd>
          <Time at={current.first_seen_at} />
        </dd>
        <dt>Last seen</dt>
        <dd>
          <Time at={current.last_seen_at} />
        </dd>
        <dt>Digest</dt>
        <dd class="digest">
          <code data-testid="file-digest">{current.sha256}</code>
        </dd>
        <dt>Status</dt>
        <dd>
          {current.deleted_at ? (
            <>
              deleted <Time at={current.deleted_at} />
            </>
          ) : (
            'current'
          )}
          {current.content_available ? '' : ', content unavailable'}
        </dd>
      </dl>
      <h2>Versions</h2>
      <div class="table-wrap">
        <table class="versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Size</th>
              <th scope="col">Recorded</th>
              <th scope="col">Digest</th>
              <th scope="col">Download</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.id} data-version={v.version}>
                <td class="num">{v.version}</td>
                <td class="num">
                  <Size bytes={v.size} />
                </td>
                <td>
                  <Time at={v.first_seen_at} />
                </td>
                <td class="digest">
                  <code title={v.sha256}>{v.sha256.slice(0, 12)}…</code>
                </td>
                <td>
                  {v.content_available && token ? (
                    <a
                      href={apiUrl(`/blobs/${v.sha256}`, { access_token: token })}
                      download={baseName(path)}
                      aria-label={`Download version ${v.version}`}
                    >
                      Download
                    </a>
                  ) : (
                    <span class="muted">{v.content_available ? '…' : 'unavailable'}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Clones</h2>
      <p class="muted">Everywhere this content is recorded (the first record brought it).</p>
      <Clone sha256={current.sha256} />
      <h2>Restore with the CLI</h2>
      {restoreCommands(host, path, current, true).map((c) => (
        <Command key={c} text={c} />
      ))}
      {versions.length > 1 ? (
        <>
          <p>An older version (here version {versions[1].version}), as it was then, or by its digest:</p>
          {restoreCommands(host, path, versions[1], false).map((c) => (
            <Command key={c} text={c} />
          ))}
        </>
      ) : null}
    </section>
  );
}

/** An object of a bucket: every version with a download link, clones, and the CLI command that fetches it. */
function BucketObject({ bucket, objectKey }: { bucket: string; objectKey: string }) {
  const versions = useLoad(
    () => get<Page<ObjectInfo>>(`/objects/${encodeURIComponent(bucket)}`, { key: objectKey, versions: true }),
    [bucket, objectKey],
  );
  const token = useLinkToken();
  if (versions.error) return <ErrorNote error={versions.error} />;
  if (!versions.data) return <Loading />;
  const current = versions.data.items[0];
  if (!current) return <p>No such object.</p>;
  const objectPath = `/objects/${encodeURIComponent(bucket)}/${objectKey.split('/').map(encodeURIComponent).join('/')}`;
  const dir = objectKey.includes('/') ? objectKey.slice(0, objectKey.lastIndexOf('/') + 1) : '';
  return (
    <section aria-labelledby="file-title">
      <nav class="crumbs" aria-label="Back">
        <a href={href('browse', { bucket, dir })}>
          {bucket}/{dir}
        </a>
      </nav>
      <h1 id="file-title" class="path">
        {bucket}/{objectKey}
      </h1>
      <dl class="facts">
        <dt>Size</dt>
        <dd>
          <Size bytes={current.size} />
        </dd>
        <dt>Type</dt>
        <dd>{current.content_type}</dd>
        <dt>Created</dt>
        <dd>
          <Time at={current.created_at} />
        </dd>
        <dt>Expires</dt>
        <dd>{current.expires_at ? <Time at={current.expires_at} /> : 'never'}</dd>
        <dt>Digest</dt>
        <dd class="digest">
          <code>{current.sha256}</code>
        </dd>
      </dl>
      <h2>Versions</h2>
      <div class="table-wrap">
        <table class="versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Size</th>
              <th scope="col">Created</th>
              <th scope="col">Download</th>
            </tr>
          </thead>
          <tbody>
            {versions.data.items.map((v) => (
              <tr key={v.version}>
                <td class="num">{v.version}</td>
                <td class="num">
                  <Size bytes={v.size} />
                </td>
                <td>
                  <Time at={v.created_at} />
                </td>
                <td>
                  {token && !v.deleted_at && !v.delete_after_download ? (
                    <a
                      href={apiUrl(objectPath, { version: v.version, access_token: token })}
                      download={baseName(objectKey)}
                      aria-label={`Download version ${v.version}`}
                    >
                      Download
                    </a>
                  ) : (
                    <span class="muted">{v.deleted_at ? 'deleted' : v.delete_after_download ? 'deleted by its download' : '…'}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Clones</h2>
      <Clone sha256={current.sha256} />
      <h2>Fetch with the CLI</h2>
      <Command text={`hoard cat ${shellWord(`${bucket}/${objectKey}`)} -o ${shellWord(baseName(objectKey))}`} />
    </section>
  );
}

/** `/console/file?host=h&path=/a/b` or `?bucket=b&key=k`. */
export function FilePage({ query }: { query: URLSearchParams }) {
  const host = query.get('host');
  const bucket = query.get('bucket');
  if (host && query.get('path')) return <HostFile host={host} path={query.get('path') as string} />;
  if (bucket && query.get('key')) return <BucketObject bucket={bucket} objectKey={query.get('key') as string} />;
  return <p>Name a host and a path, or a bucket and a key.</p>;
}
