/**
 * Support's searches over the records: redemptions (by code through the vouchers' unique code
 * and the shop-order index; by shop or time through migrations-audit.ts's indexes) and the
 * after-sales queue. Keyset-paged, so pages stay stable under inserts.
 */
import { type Kysely, sql } from "kysely";
import type {
  AfterSaleState,
  OperatorRecordReads,
  QueueMark,
  RedemptionFilter,
  RedemptionMark,
} from "../core/operator-reads.js";
import type { AfterSaleOrderRecord, RedemptionRecord } from "../core/records.js";
import { toAfterSale } from "./after-sales.js";
import { toRedemption } from "./redemptions.js";
import type { DB } from "./schema.js";

export class OperatorRecordStore implements OperatorRecordReads {
  constructor(readonly db: Kysely<DB>) {}

  async searchRedemptions(
    f: RedemptionFilter,
    after: RedemptionMark | null,
    limit: number,
  ): Promise<RedemptionRecord[]> {
    let q = this.db.selectFrom("redemptions").selectAll();
    if (f.code !== undefined) {
      const code = f.code;
      q = q
        .where("shop_order_id", "in", (eb) =>
          eb.selectFrom("vouchers").select("shop_order_id").where("code", "=", code),
        )
        .where(sql<boolean>`codes @> ARRAY[${code}]::text[]`);
    }
    if (f.shopOrderId !== undefined) q = q.where("shop_order_id", "=", f.shopOrderId);
    if (f.shopId !== undefined) q = q.where("shop_id", "=", f.shopId);
    if (f.from !== undefined) q = q.where("redeem_time", ">=", String(f.from));
    if (f.to !== undefined) q = q.where("redeem_time", "<", String(f.to));
    if (after)
      q = q.where(
        sql<boolean>`(redeem_time, redeem_id) < (${String(after.redeemTime)}::bigint, ${after.redeemId}::bigint)`,
      );
    const rows = await q.orderBy("redeem_time", "desc").orderBy("redeem_id", "desc").limit(limit).execute();
    return rows.map(toRedemption);
  }

  async afterSaleQueue(
    state: AfterSaleState | null,
    after: QueueMark | null,
    limit: number,
  ): Promise<AfterSaleOrderRecord[]> {
    // The group: 1 open (PROCESSING), 2 settled; the queue is (group, id) ascending.
    const group = sql<number>`(CASE WHEN status = 'PROCESSING' THEN 1 ELSE 2 END)`;
    let q = this.db.selectFrom("after_sale_orders").selectAll();
    if (state !== null) q = q.where("status", "=", state);
    if (after)
      q = q.where(
        sql<boolean>`(${group}, after_sale_order_id) > (${after.open ? 1 : 2}, ${after.afterSaleOrderId}::bigint)`,
      );
    const rows = await q.orderBy(group).orderBy("after_sale_order_id").limit(limit).execute();
    return rows.map(toAfterSale);
  }
}
