/** After-sale orders (refunds), and the items the expiry sweep refunds by themselves. */
import type { ReadContext } from "../core/ports.js";
import type { AfterSaleOrderRecord } from "../core/records.js";
import { checkFault, type StoreScope } from "./scope.js";

export async function insertAfterSaleOrder(scope: StoreScope, order: AfterSaleOrderRecord): Promise<void> {
  await scope.db
    .insertInto("after_sale_orders")
    .values({
      after_sale_order_id: order.afterSaleOrderId,
      shop_order_id: order.shopOrderId,
      merchant_id: order.merchantId,
      item_order_ids: [...order.itemOrderIds],
      status: order.status,
      apply_source: order.applySource,
      create_time: order.createTime,
      update_time: order.updateTime,
    })
    .execute();
}

/** Moves an after-sale order from one status to another; false when it no longer had `from`. */
export async function updateAfterSaleOrder(
  scope: StoreScope,
  afterSaleOrderId: string,
  from: AfterSaleOrderRecord["status"],
  to: AfterSaleOrderRecord["status"],
  at: number,
): Promise<boolean> {
  const result = await scope.db
    .updateTable("after_sale_orders")
    .set({ status: to, update_time: at })
    .where("after_sale_order_id", "=", afterSaleOrderId)
    .where("status", "=", from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function afterSaleOrder(
  scope: StoreScope,
  afterSaleOrderId: string,
  ctx: ReadContext,
): Promise<AfterSaleOrderRecord | null> {
  checkFault(scope.faults, ctx);
  const row = await scope.db
    .selectFrom("after_sale_orders")
    .selectAll()
    .where("after_sale_order_id", "=", afterSaleOrderId)
    .executeTakeFirst();
  return row ? toAfterSale(row) : null;
}

/** Unused items past their end whose product refunds them by itself (apply_source 1). */
export async function expiredUnusedItems(
  scope: StoreScope,
  now: number,
  limit: number,
): Promise<{ merchantId: string; shopOrderId: string; itemOrderId: string }[]> {
  const rows = await scope.db
    .selectFrom("vouchers as voucher")
    .innerJoin("products as product", "product.product_id", "voucher.product_id")
    .innerJoin("sub_fulfillment_orders as sub", "sub.item_order_id", "voucher.item_order_id")
    .select(["voucher.merchant_id", "voucher.shop_order_id", "voucher.item_order_id"])
    .where("voucher.status", "=", "WAIT_FULFILL")
    .where("sub.status", "=", "WAIT_FULFILL")
    .where("voucher.end_time", "<=", String(now))
    .where("product.auto_refund_expired", "=", true)
    .orderBy("voucher.shop_order_id")
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    merchantId: row.merchant_id,
    shopOrderId: row.shop_order_id,
    itemOrderId: row.item_order_id,
  }));
}

export function toAfterSale(row: {
  after_sale_order_id: string;
  shop_order_id: string;
  merchant_id: string;
  item_order_ids: string[];
  status: string;
  apply_source: number;
  create_time: string;
  update_time: string;
}): AfterSaleOrderRecord {
  return {
    afterSaleOrderId: row.after_sale_order_id,
    shopOrderId: row.shop_order_id,
    merchantId: row.merchant_id,
    itemOrderIds: row.item_order_ids,
    status: row.status as AfterSaleOrderRecord["status"],
    applySource: Number(row.apply_source),
    createTime: Number(row.create_time),
    updateTime: Number(row.update_time),
  };
}
