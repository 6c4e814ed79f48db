/** Placed orders: a new shop order with its items, through the one item-table writer. */
import { CodeTaken, type IssuedItem } from "../core/ports.js";
import type { ShopOrderRecord } from "../core/records.js";
import { insertItems } from "./item-tables.js";
import type { StoreScope } from "./scope.js";

/** Throws the port's `CodeTaken` when an item's code is already another voucher's. */
export async function insertShopOrder(
  scope: StoreScope,
  order: ShopOrderRecord,
  items: readonly IssuedItem[],
): Promise<void> {
  try {
    await insertItems(
      scope.db,
      order,
      // A placed item's three records start alike: the status and window the core gave it.
      items.map((item) => {
        const record = { status: item.status, startTime: item.startTime, endTime: item.endTime };
        return {
          itemOrderId: item.itemOrderId,
          code: item.code,
          productId: item.productId,
          voucher: record,
          execution: record,
          subStatus: item.status,
          snapshot: item.snapshot,
        };
      }),
    );
  } catch (err) {
    // 23505 unique_violation: the only unique key an issue can hit is the voucher's code.
    if ((err as { code?: string } | null)?.code === "23505") throw new CodeTaken();
    throw err;
  }
}
