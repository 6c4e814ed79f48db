/**
 * A page of an operator list, read with one row more than asked: that row only says whether a
 * next page exists. The cursor names the page's last row (null on the last page), so every list
 * pages alike (docs/platform.md, Paging).
 */
export interface Page<T> {
  readonly items: T[];
  readonly hasMore: boolean;
  readonly cursor: string | null;
}

export function pageOf<T>(rows: readonly T[], limit: number, cursorOf: (last: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const hasMore = rows.length > limit && last !== undefined;
  return { items, hasMore, cursor: hasMore && last !== undefined ? cursorOf(last) : null };
}
