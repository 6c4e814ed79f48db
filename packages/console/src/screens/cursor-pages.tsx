/**
 * Paging a list with the platform API's cursors: the cursors of the pages seen so far (the
 * first page's is empty), so "Previous" goes back without the API paging backwards, and the
 * buttons that move between pages, and the loading of the page shown.
 */
import { useEffect, useState } from "preact/hooks";
import type { OperatorApi } from "../api.js";
import { type Said, said } from "./parts.js";

/** What every paged answer carries. */
export interface Paged {
  has_more: boolean;
  cursor: string;
}

export interface CursorPages {
  /** The cursor of the page shown ("" for the first). */
  readonly cursor: string;
  /** 1 for the first page. */
  readonly page: number;
  next(cursor: string): void;
  previous(): void;
  first(): void;
}

/** The pages of one list; a new `key` (another filter) starts again at the first page. */
export function useCursorPages(key = ""): CursorPages {
  const [state, setState] = useState<{ key: string; stack: string[] }>({ key, stack: [""] });
  const stack = state.key === key ? state.stack : [""];
  const change = (f: (s: string[]) => string[]) =>
    setState((st) => ({ key, stack: f(st.key === key ? st.stack : [""]) }));
  return {
    cursor: stack[stack.length - 1] ?? "",
    page: stack.length,
    next: (cursor) => change((s) => [...s, cursor]),
    previous: () => change((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    first: () => change(() => [""]),
  };
}

/** `?a=1&cursor=…&limit=…`: the query of one page (empty values left out). */
export function pageQuery(params: Record<string, string>, pages: CursorPages, limit: number): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  q.set("limit", String(limit));
  if (pages.cursor) q.set("cursor", pages.cursor);
  return `?${q.toString()}`;
}

export function Pager({
  pages,
  hasMore,
  nextCursor,
  name,
}: {
  pages: CursorPages;
  hasMore: boolean;
  nextCursor: string;
  /** What is paged, for the buttons' names and the test id. */
  name: string;
}) {
  if (pages.page === 1 && !hasMore) return null;
  return (
    <p class="row-actions" data-testid={`${name}-pager`}>
      <button
        class="btn"
        type="button"
        aria-label={`Previous page of ${name}`}
        disabled={pages.page === 1}
        onClick={() => pages.previous()}
      >
        Previous
      </button>
      <span class="muted" data-testid={`${name}-page`}>
        Page {pages.page}
      </span>
      <button
        class="btn"
        type="button"
        aria-label={`Next page of ${name}`}
        disabled={!hasMore}
        onClick={() => pages.next(nextCursor)}
      >
        Next
      </button>
    </p>
  );
}

/** Loads one page of `path` whenever the query, the page or `version` changes. */
export function usePage<T extends Paged>(
  api: OperatorApi,
  path: string | null,
  version: number,
): { data: T | null; failure: Said | null } {
  const [data, setData] = useState<T | null>(null);
  const [failure, setFailure] = useState<Said | null>(null);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    api.get<T>(path).then((answer) => {
      if (!live) return;
      if (answer.ok) {
        setData(answer.data);
        setFailure(null);
      } else setFailure(said(answer, () => ""));
    });
    return () => {
      live = false;
    };
    // `version` asks for the same page again (after an action, or Refresh).
  }, [api, path, version]);
  return { data, failure };
}
