/**
 * Support's searches over the records (operator token): redemptions by code, shop order, shop
 * and time (cancelled ones too), and the after-sales queue (open refund requests first). Both
 * page by cursor, newest redemption first and oldest open request first.
 */

import { type Page, pageOf } from "./page.js";
import type { AfterSaleOrderRecord, RedemptionRecord } from "./records.js";
import { fail, ok, type Result } from "./result.js";

export interface RedemptionFilter {
  readonly code?: string | undefined;
  readonly shopOrderId?: string | undefined;
  /** The shop's platform id (shops.shop_id). */
  readonly shopId?: string | undefined;
  /** Redeem time (business clock, Unix s): from inclusive, to exclusive. */
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

/** Where the previous page stopped: its last redemption's time and id. */
export interface RedemptionMark {
  readonly redeemTime: number;
  readonly redeemId: string;
}

export type AfterSaleState = AfterSaleOrderRecord["status"];

/** Where the previous queue page stopped: whether it was in the open group, and its last id. */
export interface QueueMark {
  readonly open: boolean;
  readonly afterSaleOrderId: string;
}

export interface OperatorRecordReads {
  /** Newest first (redeem time, then id), after `after`. */
  searchRedemptions(
    filter: RedemptionFilter,
    after: RedemptionMark | null,
    limit: number,
  ): Promise<RedemptionRecord[]>;
  /** Open (PROCESSING) first, then the rest; oldest id first within each; after `after`. */
  afterSaleQueue(
    state: AfterSaleState | null,
    after: QueueMark | null,
    limit: number,
  ): Promise<AfterSaleOrderRecord[]>;
}

export type { Page } from "./page.js";

export interface PageQuery {
  readonly cursor?: string | undefined;
  readonly limit?: number | undefined;
}

export interface OperatorReads {
  searchRedemptions(filter: RedemptionFilter, page: PageQuery): Promise<Result<Page<RedemptionRecord>>>;
  afterSaleQueue(state: AfterSaleState | null, page: PageQuery): Promise<Result<Page<AfterSaleOrderRecord>>>;
}

export const READ_PAGE_DEFAULT = 50;
export const READ_PAGE_MAX = 100;

const refused = (message: string) => fail("invalid_params", message, { message });

/** `<redeem_time>.<redeem_id>` */
function redemptionMark(cursor: string | undefined): RedemptionMark | null | undefined {
  if (cursor === undefined) return null;
  const m = /^([0-9]{1,15})\.([1-9][0-9]{0,18})$/.exec(cursor);
  return m ? { redeemTime: Number(m[1]), redeemId: m[2] as string } : undefined;
}

/** `<1 open | 2 other>.<after_sale_order_id>` */
function queueMark(cursor: string | undefined): QueueMark | null | undefined {
  if (cursor === undefined) return null;
  const m = /^([12])\.([1-9][0-9]{0,18})$/.exec(cursor);
  return m ? { open: m[1] === "1", afterSaleOrderId: m[2] as string } : undefined;
}

export function operatorReads(store: OperatorRecordReads): OperatorReads {
  return {
    async searchRedemptions(filter, page) {
      const { code, shopOrderId, shopId, from, to } = filter;
      if ([code, shopOrderId, shopId, from, to].every((v) => v === undefined))
        return refused("give at least one of code, shop_order_id, shop_id, from, to");
      if (from !== undefined && to !== undefined && from >= to) return refused("from must be before to");
      const after = redemptionMark(page.cursor);
      if (after === undefined) return refused("cursor is not one this search answered");
      const limit = Math.min(READ_PAGE_MAX, page.limit ?? READ_PAGE_DEFAULT);
      const rows = await store.searchRedemptions(filter, after, limit + 1);
      return ok(pageOf(rows, limit, (r) => `${r.redeemTime}.${r.redeemId}`));
    },
    async afterSaleQueue(state, page) {
      const after = queueMark(page.cursor);
      if (after === undefined) return refused("cursor is not one this queue answered");
      const limit = Math.min(READ_PAGE_MAX, page.limit ?? READ_PAGE_DEFAULT);
      const rows = await store.afterSaleQueue(state, after, limit + 1);
      return ok(pageOf(rows, limit, (a) => `${a.status === "PROCESSING" ? 1 : 2}.${a.afterSaleOrderId}`));
    },
  };
}
