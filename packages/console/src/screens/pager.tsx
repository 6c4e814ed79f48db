/**
 * The one pager of the console's lists. Every operator list pages the same way (`limit`, the
 * previous page's `cursor`; the answer's `has_more` and `cursor`, null on the last page) and
 * only forwards, so Previous walks back through the cursors this pager has seen.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { type Answer, type OperatorApi, seg } from "../api.js";
import { type Said, said } from "./parts.js";

/** What every operator list answers besides its rows. */
export interface PageAnswer {
  readonly has_more: boolean;
  readonly cursor: string | null;
}

export interface Pages<P> {
  /** The answer in view: null before the first one and after a failed load. */
  readonly page: P | null;
  /** A failed load's row, in words. */
  readonly failure: Said | null;
  /** 1 for the first page. */
  readonly number: number;
  /** Whether Next can go on from the page in view. */
  readonly hasMore: boolean;
  /** The list in view has a single page: no pager then. */
  readonly onePage: boolean;
  next(): void;
  previous(): void;
  /** The page in view again, e.g. after an action changed it. */
  reload(): Promise<void>;
}

/**
 * Pages of `limit` rows of `path` (its filters in its query; null: nothing to ask yet). Another
 * path or limit is another list, which starts at its first page; a new `version` asks again.
 */
export function usePages<P extends PageAnswer>(
  api: OperatorApi,
  path: string | null,
  limit: number,
  version = 0,
): Pages<P> {
  // The cursors that led to the page in view (null: the first page), kept with their list: a
  // trail of another list reads as the first page at once, so the new list is never asked for
  // with the old list's cursor.
  const key = `${limit} ${path}`;
  const [state, setState] = useState<{ key: string; trail: (string | null)[] }>({ key, trail: [null] });
  const trail = state.key === key ? state.trail : [null];
  // And the old trail is dropped, so going back to that list starts at its first page as well.
  useEffect(() => setState((s) => (s.key === key ? s : { key, trail: [null] })), [key]);
  const number = trail.length;
  const cursor = trail[number - 1] ?? null;
  const url =
    path === null
      ? null
      : `${path}${path.includes("?") ? "&" : "?"}limit=${limit}${cursor ? `&cursor=${seg(cursor)}` : ""}`;

  // Only the latest request's answer is shown: an earlier one may arrive after it.
  const [shown, setShown] = useState<{ url: string; number: number; answer: Answer<P> } | null>(null);
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const asked = ++latest.current;
    const answer = url === null ? null : await api.get<P>(url);
    if (asked === latest.current) setShown(url !== null && answer ? { url, number, answer } : null);
  }, [api, url, number]);
  // `version` is a dependency for that alone: a new one asks for the page in view again.
  useEffect(() => void reload(), [reload, version]);

  const page = shown?.answer.ok ? shown.answer.data : null;
  // The rows in view stay until the next answer; Next waits for it, or a quick second click
  // would follow the previous page's cursor again.
  const nextCursor = shown?.url === url && page?.has_more ? page.cursor : null;
  return {
    page,
    failure: shown && !shown.answer.ok ? said(shown.answer, () => "") : null,
    number,
    hasMore: nextCursor !== null,
    // Judged by the answer in view and the page it is of, so the pager stays put while the
    // next answer is awaited (Previous back to page 1 does not hide it for a moment).
    onePage: !shown || (shown.number === 1 && !page?.has_more),
    next: () => nextCursor && setState({ key, trail: [...trail, nextCursor] }),
    previous: () => setState({ key, trail: trail.length > 1 ? trail.slice(0, -1) : trail }),
    reload,
  };
}

/** Previous page, Page N, Next page; `name` (words) says which list, as a screen may have several. */
export function Pager({ pages, name }: { pages: Pages<PageAnswer>; name: string }) {
  if (pages.onePage) return null;
  const id = name.replaceAll(" ", "-");
  return (
    <p class="row-actions pager" data-testid={`${id}-pager`}>
      <button
        class="btn"
        type="button"
        aria-label={`Previous page of ${name}`}
        disabled={pages.number === 1}
        onClick={() => pages.previous()}
      >
        Previous page
      </button>
      <span class="muted" data-testid={`${id}-page`}>
        Page {pages.number}
      </span>
      <button
        class="btn"
        type="button"
        aria-label={`Next page of ${name}`}
        disabled={!pages.hasMore}
        onClick={() => pages.next()}
      >
        Next page
      </button>
    </p>
  );
}
