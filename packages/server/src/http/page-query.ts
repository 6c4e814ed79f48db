/**
 * The query of the operator's paged lists: every one takes `limit` 1 to 100 (default 50) and the
 * previous page's `cursor` (docs/platform.md, Paging), so a client pages them all alike.
 */
import { type Static, Type } from "typebox";
import { INT64_ID } from "./schemas.js";

export const PageLimit = Type.String({
  pattern: "^(?:[1-9][0-9]?|100)$",
  description: "1 to 100, default 50",
});

/** The lists by id (the directory, the devices): the cursor is the last id of the page before. */
export const PageQuery = Type.Object({
  limit: Type.Optional(PageLimit),
  cursor: Type.Optional(Type.String({ pattern: INT64_ID, description: "The previous page's cursor" })),
});

export const pageOf = (q: Static<typeof PageQuery>) => ({
  limit: q.limit === undefined ? undefined : Number(q.limit),
  cursor: q.cursor,
});
