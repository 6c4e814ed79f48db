/**
 * Paging over the platform API's cursors: the current page, Next (the answer's cursor) and
 * Previous (the cursors that led here), and a reload of the page in view after an action.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Answer } from "../api.js";

export interface Paged {
  readonly has_more: boolean;
  readonly cursor: string | null;
}

/** `load` null: nothing to page yet (no answer). A new `key` (a filter) starts at the first page. */
export function usePager<P extends Paged>(
  load: ((cursor: string | null) => Promise<Answer<P>>) | null,
  key: string,
) {
  // The cursors of the pages before this one and this one's (null: the first page), per key.
  const [state, setState] = useState<{ key: string; trail: (string | null)[] }>({ key, trail: [null] });
  const trail = state.key === key ? state.trail : [null];
  const at = trail[trail.length - 1] ?? null;
  const [answer, setAnswer] = useState<Answer<P> | null>(null);

  // Only the latest request's answer is shown (an earlier one may arrive later).
  const latest = useRef(0);
  const reload = useCallback(() => {
    const asked = ++latest.current;
    if (!load) {
      setAnswer(null);
      return;
    }
    load(at).then((a) => {
      if (asked === latest.current) setAnswer(a);
    });
  }, [load, at]);
  useEffect(reload, [reload]);

  const page = answer?.ok ? answer.data : null;
  return {
    answer,
    page,
    number: trail.length,
    reload,
    next: () => {
      const cursor = page?.cursor;
      if (cursor) setState({ key, trail: [...trail, cursor] });
    },
    previous: () => setState({ key, trail: trail.length > 1 ? trail.slice(0, -1) : trail }),
  };
}

export function Pager({ pager }: { pager: ReturnType<typeof usePager> }) {
  return (
    <p class="pager" data-testid="pager">
      <button class="btn" type="button" disabled={pager.number <= 1} onClick={pager.previous}>
        Previous page
      </button>
      <span data-testid="page-number">Page {pager.number}</span>
      <button class="btn" type="button" disabled={!pager.page?.has_more} onClick={pager.next}>
        Next page
      </button>
    </p>
  );
}
