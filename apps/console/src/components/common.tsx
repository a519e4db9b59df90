import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { exactTime, humanSize, relativeTime } from '../format';

/** A time as "3 minutes ago", the exact time on hover and for assistive technology. */
export function Time({ at }: { at: string | number | null | undefined }) {
  if (at === null || at === undefined) return <span>—</span>;
  const exact = exactTime(at);
  return (
    <time dateTime={typeof at === 'number' ? new Date(at * 1000).toISOString() : at} title={exact}>
      {relativeTime(at)}
    </time>
  );
}

/** A size in human units, the exact bytes on hover. */
export function Size({ bytes }: { bytes: number }) {
  return <span title={`${bytes.toLocaleString('en-US')} bytes`}>{humanSize(bytes)}</span>;
}

/** What went wrong, in the server's words. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

/** A placeholder of fixed height while data loads, so that the page does not jump. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" aria-live="polite">
      {label}
    </p>
  );
}

/** Data loaded once per change of `deps`, with its error. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | null; error: unknown; reload: () => void } {
  const [state, setState] = useState<{ data: T | null; error: unknown }>({ data: null, error: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ data: s.data, error: null }));
    load().then(
      (data) => live && setState({ data, error: null }),
      (error: unknown) => live && setState({ data: null, error }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/** A button that copies `text` and says so. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(text);
    setCopied(true);
  };
  return (
    <button type="button" class="copy" aria-label={label} onClick={() => void copy()}>
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

/** A modal question (the platform's `<dialog>`: focus kept inside, Escape cancels). */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirm: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={props.onCancel}>
      <h2 id="confirm-title">{props.title}</h2>
      <div>{props.children}</div>
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={props.onConfirm}>
          {props.confirm}
        </button>
      </div>
    </dialog>
  );
}
