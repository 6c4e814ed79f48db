/** A shop order as the operator sees it: each item's three records and its redemption status. */
import { type ItemState, itemRedemptionStatus } from "../domain/item-state.js";
import type { FulfillStatus } from "../domain/status.js";
import type { FulfillmentReads } from "./ports.js";
import type { ShopOrderRecord } from "./records.js";
import { fail, ok, type Result } from "./result.js";

export interface OrderItem {
  readonly itemOrderId: string;
  readonly code: string;
  readonly state: ItemState;
  readonly redemptionStatus: FulfillStatus;
  readonly redeemId: string | null;
}

export interface OrderWithItems {
  readonly order: ShopOrderRecord;
  readonly items: OrderItem[];
}

export const unknownShopOrder = () =>
  fail("not_found", "unknown shop order", { message: "unknown shop order" });

export async function shopOrderWithItems(
  reads: FulfillmentReads,
  shopOrderId: string,
): Promise<Result<OrderWithItems>> {
  const order = await reads.shopOrderById(shopOrderId);
  if (!order) return unknownShopOrder();
  const ctx = { merchantId: order.merchantId, fault: null };
  const vouchers = await reads.vouchersByShopOrder(order.merchantId, shopOrderId, ctx);
  const ids = vouchers.map((v) => v.itemOrderId);
  const execs = new Map((await reads.executionOrders(ids, ctx)).map((e) => [e.itemOrderId, e]));
  const subs = new Map((await reads.subOrders(ids, ctx)).map((s) => [s.itemOrderId, s]));
  return ok({
    order,
    items: vouchers.map((v) => {
      const state = {
        voucher: v.status,
        execution: execs.get(v.itemOrderId)?.status ?? v.status,
        sub: subs.get(v.itemOrderId)?.status ?? v.status,
      };
      return {
        itemOrderId: v.itemOrderId,
        code: v.code,
        state,
        redemptionStatus: itemRedemptionStatus(state),
        redeemId: v.redeemId,
      };
    }),
  });
}
