/**
 * The operator's alerts, a page at a time, newest first. The cursor is `<at_ms>.<alert_id>` of
 * the last alert of the page before. Without a limit a page holds up to 1000 alerts, the
 * whole answer of `GET /platform/alerts` before it paged (its callers see the same list).
 */
import { pageOf } from "./page.js";
import type { AlertLog, StoredAlert } from "./platform-ports.js";

export const ALERT_PAGE_MAX = 1000;

export interface AlertQuery {
  /** At most 1000; default 1000. */
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
}

export interface AlertPage {
  readonly alerts: readonly StoredAlert[];
  readonly hasMore: boolean;
  /** Where the next page starts; null on the last page. */
  readonly cursor: string | null;
}

export async function alertPage(log: AlertLog, q: AlertQuery): Promise<AlertPage> {
  const limit = Math.min(ALERT_PAGE_MAX, q.limit ?? ALERT_PAGE_MAX);
  const [atMs, alertId] = q.cursor ? q.cursor.split(".") : [];
  const rows = await log.recent(
    limit + 1,
    atMs !== undefined && alertId !== undefined ? { atMs: Number(atMs), alertId } : undefined,
  );
  const { items, hasMore, cursor } = pageOf(rows, limit, (a) => `${a.atMs}.${a.alertId}`);
  return { alerts: items, hasMore, cursor };
}
