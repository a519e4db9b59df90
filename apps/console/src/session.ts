/**
 * The signed-in key, kept for this tab only (`sessionStorage`), and who it is (`GET /api/v1/keys/me`): the console
 * offers only what its scopes allow.
 */
import type { KeyIdentity, Scope } from '@app/contracts/types';

const STORAGE = 'hoard.key';
/** What a signed-in key left in the tab besides itself (the buckets it opened): not shown to the next key. */
const LEFT_BEHIND = ['hoard.buckets'];

type Listener = () => void;
const listeners = new Set<Listener>();
let identity: KeyIdentity | null = null;
let expiredNotice = false;

const notify = () => listeners.forEach((l) => l());

export const session = {
  key(): string | null {
    return sessionStorage.getItem(STORAGE);
  },
  identity(): KeyIdentity | null {
    return identity;
  },
  /** Whether the last sign-out was the server refusing the key (revoked or expired meanwhile). */
  expiredNotice(): boolean {
    return expiredNotice;
  },
  signIn(key: string, who: KeyIdentity): void {
    sessionStorage.setItem(STORAGE, key);
    identity = who;
    expiredNotice = false;
    notify();
  },
  /** Known again after a reload (the key is in sessionStorage; who it is is asked again). */
  restore(who: KeyIdentity): void {
    identity = who;
    notify();
  },
  signOut(): void {
    sessionStorage.removeItem(STORAGE);
    LEFT_BEHIND.forEach((name) => sessionStorage.removeItem(name));
    identity = null;
    notify();
  },
  /** The server refused the key (401): back to the sign-in page, saying why. */
  expired(): void {
    expiredNotice = true;
    this.signOut();
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

/** `admin` covers `write`, which covers `read` (as the server decides). */
export function allows(scope: Scope): boolean {
  const scopes = identity?.scopes ?? [];
  if (scopes.includes('admin')) return true;
  if (scope === 'read') return scopes.includes('read') || scopes.includes('write');
  return scopes.includes(scope);
}
