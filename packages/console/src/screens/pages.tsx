/**
 * A list the platform API pages with a cursor (`limit`, `cursor`; the answer's `has_more` and
 * next `cursor`): the rows of the page shown, Next page and First page, and a reload after an
 * action (the same page again).
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { OperatorApi } from "../api.js";
import { seg } from "../api.js";
import { type Said, said } from "./parts.js";

type PageAnswer<T> = Record<string, unknown> & { has_more: boolean; cursor: string | null } & Record<
    string,
    T[]
  >;

export interface Paged<T> {
  readonly rows: T[] | null;
  readonly hasMore: boolean;
  /** 1 for the first page. */
  readonly number: number;
  readonly failure: Said | null;
  next(): void;
  first(): void;
  reload(): Promise<void>;
}

export function usePaged<T>(api: OperatorApi, path: string | null, name: string, limit: number): Paged<T> {
  // The cursors of the pages opened so far: the last is the page shown (null: the first).
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [rows, setRows] = useState<T[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [failure, setFailure] = useState<Said | null>(null);
  const cursor = cursors[cursors.length - 1] ?? null;
  // Only the latest request's answer is shown (an older one may arrive after it).
  const latest = useRef(0);

  const reload = useCallback(async () => {
    if (!path) return;
    const sep = path.includes("?") ? "&" : "?";
    const mine = ++latest.current;
    const answer = await api.get<PageAnswer<T>>(
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${seg(cursor)}` : ""}`,
    );
    if (mine !== latest.current) return;
    if (answer.ok) {
      setRows(answer.data[name] ?? []);
      setNextCursor(answer.data.has_more ? answer.data.cursor : null);
      setFailure(null);
    } else setFailure(said(answer, () => ""));
  }, [api, path, name, limit, cursor]);

  useEffect(() => {
    reload();
  }, [reload]);
  // Another list (path or page size): back to its first page.
  useEffect(() => setCursors([null]), [path, limit]);

  return {
    rows,
    hasMore: nextCursor !== null,
    number: cursors.length,
    failure,
    next: () => nextCursor && setCursors((c) => [...c, nextCursor]),
    first: () => setCursors([null]),
    reload,
  };
}

/** The page's number and its Next page / First page buttons. */
export function Pager<T>({ paged, label }: { paged: Paged<T>; label: string }) {
  if (paged.number === 1 && !paged.hasMore) return null;
  return (
    <div class="row-actions pager" data-testid={`${label}-pager`}>
      <span class="muted" data-testid={`${label}-page`}>
        Page {paged.number}
      </span>
      <button class="btn" type="button" disabled={paged.number === 1} onClick={() => paged.first()}>
        First page
      </button>
      <button class="btn" type="button" disabled={!paged.hasMore} onClick={() => paged.next()}>
        Next page
      </button>
    </div>
  );
}
