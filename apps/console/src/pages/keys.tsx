import { useState } from 'preact/hooks';
import type { CreatedKey, KeyInfo, Scope } from '@app/contracts/types';
import { call, get } from '../api';
import { ConfirmDialog, CopyButton, ErrorNote, Loading, Time, useLoad } from '../components/common';
import { isLimited, namesOf, tenantsText } from '../tenants';

const SCOPES: Scope[] = ['read', 'write', 'admin'];

function NewKey({ onCreated }: { onCreated: (key: CreatedKey) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['read']);
  const [expires, setExpires] = useState('');
  const [hostnames, setHostnames] = useState('');
  const [buckets, setBuckets] = useState('');
  const [error, setError] = useState<unknown>(null);
  // An admin key sees everything and mints keys: the server refuses to limit one, so the form does not offer it.
  const admin = scopes.includes('admin');
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const hosts = admin ? [] : namesOf(hostnames);
    const names = admin ? [] : namesOf(buckets);
    try {
      const created = await call<CreatedKey>('POST', '/keys', {
        body: {
          name: name.trim(),
          scopes,
          ...(expires ? { expires_at: new Date(`${expires}T23:59:59Z`).toISOString() } : {}),
          ...(hosts.length > 0 ? { hostnames: hosts } : {}),
          ...(names.length > 0 ? { buckets: names } : {}),
        },
      });
      setName('');
      setHostnames('');
      setBuckets('');
      onCreated(created);
    } catch (err) {
      setError(err);
    }
  };
  const toggle = (scope: Scope) => setScopes((s) => (s.includes(scope) ? s.filter((x) => x !== scope) : [...s, scope]));
  return (
    <form class="new-key" onSubmit={(e) => void submit(e)} aria-labelledby="new-key-title">
      <h2 id="new-key-title">New key</h2>
      <label for="key-name">Name</label>
      <input id="key-name" required maxLength={200} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      <fieldset>
        <legend>Scopes</legend>
        {SCOPES.map((s) => (
          <label key={s} class="check">
            <input type="checkbox" name="scope" value={s} checked={scopes.includes(s)} onChange={() => toggle(s)} /> {s}
          </label>
        ))}
      </fieldset>
      <label for="key-expires">Expires (optional, end of that day UTC)</label>
      <input id="key-expires" type="date" value={expires} onInput={(e) => setExpires((e.target as HTMLInputElement).value)} />
      <fieldset aria-describedby="tenants-help">
        <legend>Tenants (optional)</legend>
        <p id="tenants-help" class="muted">
          {admin
            ? 'An admin key cannot be limited: it sees every host and bucket. Limit a read or write key instead.'
            : 'Limit the key to these hosts and buckets, separated by commas or one per line; with neither, it sees every host and bucket.'}
        </p>
        <label for="key-hostnames">Hostnames</label>
        <textarea
          id="key-hostnames"
          rows={2}
          disabled={admin}
          value={admin ? '' : hostnames}
          onInput={(e) => setHostnames((e.target as HTMLTextAreaElement).value)}
        />
        <label for="key-buckets">Buckets</label>
        <textarea
          id="key-buckets"
          rows={2}
          disabled={admin}
          value={admin ? '' : buckets}
          onInput={(e) => setBuckets((e.target as HTMLTextAreaElement).value)}
        />
      </fieldset>
      <ErrorNote error={error} />
      <button type="submit" disabled={name.trim() === '' || scopes.length === 0}>
        Create key
      </button>
    </form>
  );
}

/** Keys: every key with its tenants and state, a new key (its secret shown once), revocation after a confirmation. */
export function Keys() {
  const keys = useLoad(() => get<KeyInfo[]>('/keys'), []);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [revoking, setRevoking] = useState<KeyInfo | null>(null);
  const [error, setError] = useState<unknown>(null);
  const revoke = async () => {
    const key = revoking;
    setRevoking(null);
    if (!key) return;
    try {
      await call('DELETE', `/keys/${encodeURIComponent(key.id)}`);
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">Keys</h1>
      {created ? (
        <div class="secret" role="status">
          <p>
            Key <strong>{created.name}</strong> created ({isLimited(created) ? `limited to ${tenantsText(created)}` : 'all tenants'}). Its
            secret is shown this once: copy it now.
          </p>
          <div class="command">
            <code data-testid="new-secret">{created.key}</code>
            <CopyButton text={created.key} label="Copy the new key's secret" />
          </div>
          <button type="button" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      ) : null}
      <NewKey
        onCreated={(key) => {
          setCreated(key);
          keys.reload();
        }}
      />
      <h2>Every key</h2>
      <ErrorNote error={keys.error ?? error} />
      {keys.data ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scopes</th>
                <th scope="col">Tenants</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id} data-key-id={k.id}>
                  <td>{k.name}</td>
                  <td>{k.scopes.join(', ')}</td>
                  <td class="tenants">{isLimited(k) ? tenantsText(k) : <span class="muted">{tenantsText(k)}</span>}</td>
                  <td>
                    <Time at={k.created_at} />
                  </td>
                  <td>{k.expires_at ? <Time at={k.expires_at} /> : 'never'}</td>
                  <td>
                    <Time at={k.last_used_at} />
                  </td>
                  <td>
                    {k.revoked_at ? (
                      <span class="badge">revoked</span>
                    ) : (
                      <button type="button" class="danger" aria-label={`Revoke key ${k.name}`} onClick={() => setRevoking(k)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <Loading />
      )}
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this key?"
        confirm="Revoke"
        onConfirm={() => void revoke()}
        onCancel={() => setRevoking(null)}
      >
        <p>
          <strong>{revoking?.name}</strong> stops working at its next request. This cannot be undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}
