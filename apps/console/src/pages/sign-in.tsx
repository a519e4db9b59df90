import { useState } from 'preact/hooks';
import type { KeyIdentity } from '@app/contracts/types';
import { ApiError, call } from '../api';
import { session } from '../session';

/** Sign-in with an API key: checked with `GET /api/v1/keys/me`, kept for this tab only. */
export function SignIn() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(
    session.expiredNotice() ? 'The server no longer accepts that key; sign in again.' : null,
  );
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const who = await call<KeyIdentity>('GET', '/keys/me', { key: key.trim() });
      session.signIn(key.trim(), who);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'That key was not accepted: it is unknown, revoked or expired.'
          : err instanceof Error
            ? err.message
            : String(err),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Hoard</h1>
        <p>Sign in with an API key. It is kept for this tab only.</p>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          required
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
        />
        <p class="error" role="alert">
          {error ?? ''}
        </p>
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
