/** Small building blocks both pages use: times, errors, labelled fields, cursor paging, routing. */
import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { relativeTime } from './relative-time';

export { html };
export { fieldErrorsOf, formErrorOf } from './field-errors';

/** A relative time with the absolute one in `datetime` and on hover. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return html`<span>—</span>`;
  const at = new Date(iso);
  return html`<time datetime=${iso} title=${at.toLocaleString()}>${relativeTime(at, new Date())}</time>`;
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return html`<p class="error" role="alert">${message}</p>`;
}

interface FieldProps {
  id: string;
  label: string;
  value: string;
  onValue: (v: string) => void;
  errors?: string[];
  type?: string;
  hint?: string;
  required?: boolean;
  autocomplete?: string;
}

/** A labelled input; its errors (and hint) are tied to it with aria-describedby. */
export function Field({ id, label, value, onValue, errors = [], type = 'text', hint, required, autocomplete }: FieldProps) {
  const describedBy = [hint ? `${id}-hint` : '', errors.length ? `${id}-errors` : ''].filter(Boolean).join(' ') || undefined;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <input id=${id} name=${id} type=${type} value=${value} required=${required} autocomplete=${autocomplete ?? 'off'}
      aria-invalid=${errors.length ? 'true' : undefined} aria-describedby=${describedBy}
      onInput=${(e: Event) => onValue((e.target as HTMLInputElement).value)} />
    ${hint && html`<small id=${`${id}-hint`}>${hint}</small>`}
    ${errors.length > 0 && html`<ul class="field-errors" id=${`${id}-errors`}>${errors.map((m) => html`<li>${m}</li>`)}</ul>`}
  </div>`;
}

export interface Page<T> {
  data: T[];
  nextBefore: string | null;
}

/** A list that follows the API's `nextBefore` cursor; reloads when `key` changes. */
export function usePaged<T>(load: (before: string | undefined) => Promise<Page<T>>, key: string) {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const fetchPage = useCallback(
    async (before: string | undefined, replace: boolean) => {
      setLoading(true);
      setError(null);
      try {
        const page = await load(before);
        setItems((old) => (replace ? page.data : [...old, ...page.data]));
        setNext(page.nextBefore);
      } catch (err) {
        setError(err);
      } finally {
        setLoading(false);
      }
    },
    // `key` names everything `load` depends on.
    [key],
  );
  useEffect(() => {
    void fetchPage(undefined, true);
  }, [fetchPage]);
  return { items, loading, error, hasMore: next !== null, loadMore: () => fetchPage(next ?? undefined, false), reload: () => fetchPage(undefined, true) };
}

export function MoreButton({ list }: { list: { loading: boolean; hasMore: boolean; loadMore: () => Promise<void> } }) {
  if (!list.hasMore) return null;
  return html`<button type="button" class="secondary" disabled=${list.loading} onClick=${() => void list.loadMore()}>Load older</button>`;
}

/** A value fetched once per `key`. */
export function useLoad<T>(load: () => Promise<T>, key: string) {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    load().then(
      (v) => live && setValue(v),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [key, version]); // `key` names everything `load` depends on
  return { value, error, reload: () => setVersion((v) => v + 1) };
}

export interface Route {
  path: string[];
  params: URLSearchParams;
}

function currentRoute(): Route {
  const [p, q] = location.hash.replace(/^#\/?/, '').split('?');
  return { path: p ? p.split('/').map(decodeURIComponent) : [], params: new URLSearchParams(q ?? '') };
}

/**
 * Hash routing. After a route change the page's heading takes the focus (a screen reader announces
 * the new page; the keyboard starts from it).
 */
export function useHashRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const onChange = () => setRoute(currentRoute());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  const hash = location.hash;
  useEffect(() => {
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [hash]);
  return route;
}

export const href = (...parts: string[]) => `#/${parts.map(encodeURIComponent).join('/')}`;

export function Section({ title, children, level = 2 }: { title: string; children: ComponentChildren; level?: 2 | 3 }) {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const heading = level === 2 ? html`<h2 id=${id}>${title}</h2>` : html`<h3 id=${id}>${title}</h3>`;
  return html`<section aria-labelledby=${id}>${heading}${children}</section>`;
}

export const Status = ({ value }: { value: string }) => html`<span class=${`status status-${value}`}>${value}</span>`;
