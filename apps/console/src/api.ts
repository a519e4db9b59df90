/**
 * The console's thin layer over the public HTTP API: every call carries the signed-in key as
 * `Authorization: Bearer`, and every failure is an `ApiError` with the contract's code and message.
 */
import { session } from './session';

const API = '/api/v1';

/** A failed call: the HTTP status and the `error` object of the contract's error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

/** `/api/v1<path>?<query>`, leaving out empty values. */
export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return `${path.startsWith('/api/') ? '' : API}${path}${search ? `?${search}` : ''}`;
}

/** A call of the API with `key` (default: the session's); JSON in and out; `null` for an empty answer. */
export async function call<T>(method: string, path: string, options: { query?: Query; body?: unknown; key?: string } = {}): Promise<T> {
  const key = options.key ?? session.key();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, 'unreachable', 'The server did not answer; is it running?');
  }
  if (res.status === 204) return null as T;
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's error page): the status speaks below.
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
    if (res.status === 401 && !options.key) session.expired();
    throw new ApiError(res.status, error?.code ?? 'error', error?.message ?? `The server answered ${res.status}`);
  }
  return json as T;
}

export const get = <T>(path: string, query?: Query) => call<T>('GET', path, { query });

/** A page of a listing, as every listing of the API answers. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

let linkToken: { token: string; until: number } | null = null;

/**
 * A short-lived token for links the browser follows itself (downloads stream to disk, never through JS memory):
 * the key logs in as PutPlace's clients do (`POST /api/login`), and content routes take the token as
 * `?access_token=`. The key itself never goes into a URL.
 */
export async function linkTokenFor(): Promise<string> {
  if (linkToken && linkToken.until > Date.now()) return linkToken.token;
  const key = session.key();
  const answer = await call<{ access_token: string; expires_in: number }>('POST', '/api/login', {
    body: { email: 'console', password: key ?? '' },
  });
  // Renewed halfway through its life, so that a link on the page still works when clicked.
  linkToken = { token: answer.access_token, until: Date.now() + (answer.expires_in * 1000) / 2 };
  return answer.access_token;
}

/** Forgets the link token (at sign-out). */
export function forgetLinkToken(): void {
  linkToken = null;
}
