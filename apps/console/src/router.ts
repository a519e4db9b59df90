/**
 * Client routing under `/console/` with the History API (the server answers every such path with the app's page).
 * A route is a path and its query; links are ordinary anchors, followed here without a page load.
 */
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/console';

/** The console path of `page` with `query` (empty values left out). */
export function href(page: string, query: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const search = params.toString();
  return `${BASE}/${page}${search ? `?${search}` : ''}`;
}

export interface Location {
  /** The page: the first path segment under /console ('' for the dashboard). */
  page: string;
  query: URLSearchParams;
}

function current(): Location {
  const path = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : '/';
  return { page: path.replace(/^\/+|\/+$/g, ''), query: new URLSearchParams(window.location.search) };
}

const listeners = new Set<() => void>();

/** Goes to a console URL without reloading. */
export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.scrollTo(0, 0);
  listeners.forEach((l) => l());
}

/** The current location; re-renders on navigation and on the browser's back and forward. */
export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return location;
}

/** Follows clicks on same-origin `/console/` anchors in the app (not downloads, not new tabs). */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element).closest('a');
    if (!anchor || anchor.hasAttribute('download') || anchor.target) return;
    const url = new URL(anchor.href, window.location.href);
    if (url.origin !== window.location.origin || !url.pathname.startsWith(`${BASE}/`)) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
}
