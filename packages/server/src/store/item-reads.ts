/**
 * Reads of items: the joined read of sql/items.sql (the hottest read of the system: a lookup,
 * a redeem), and the single-table reads the other use cases make.
 */
import { type CodeItems, ConcurrentWriteLost, type ReadContext } from "../core/ports.js";
import type {
  ExecutionOrderRecord,
  ShopOrderRecord,
  ShopSnapshot,
  SubOrderRecord,
  VoucherRecord,
} from "../core/records.js";
import type { FulfillStatus } from "../domain/status.js";
import { type ItemRecordsRow, JoinedItems, toVoucher } from "./item-rows.js";
import { ReadBatcher } from "./read-batcher.js";
import { checkFault, type Executor, num, type StoreScope } from "./scope.js";
import { PositionalStatement, readSqlFile } from "./sql-file.js";

const ITEMS = readSqlFile("items.sql");

function itemsStatement(preparedName: string, ...parts: string[]): PositionalStatement<ItemRecordsRow> {
  const text = parts.map((part) => {
    const sql = ITEMS[part];
    if (sql === undefined) throw new Error(`store/sql/items.sql has no part ${part}`);
    return sql;
  });
  return new PositionalStatement(preparedName, text.join("\n"));
}

const BY_CODES = itemsStatement("items_codes", "item_records", "by_codes");
const BY_CODES_LOCKED = itemsStatement("items_codes_lock", "item_records", "by_codes", "for_update");
const BY_SHOP_ORDER = itemsStatement("items_order", "item_records", "by_shop_order");
const BY_MERCHANT_CODES = itemsStatement("items_any_codes", "item_records", "by_merchant_codes");

/** Typed-code reads outside transactions, coalesced under load (see ReadBatcher); keys are `merchant:code`. */
export type ItemsBatcher = ReadBatcher<string, ItemRecordsRow>;

export function itemsBatcher(db: Executor): ItemsBatcher {
  return new ReadBatcher<string, ItemRecordsRow>(
    async (keys) => {
      // The SQL filters on (merchant, code) pairs, as the direct read does, so a batch never
      // reads another merchant's voucher for a caller.
      const merchantIds: string[] = [];
      const codes: string[] = [];
      for (const key of keys) {
        const at = key.indexOf(":");
        merchantIds.push(key.slice(0, at));
        codes.push(key.slice(at + 1));
      }
      return (await db.executeQuery(BY_MERCHANT_CODES.bind({ merchant_ids: merchantIds, codes }))).rows;
    },
    (row, keys) => keys.has(`${row.merchant_id}:${row.code}`),
  );
}

/** The items of typed codes; through the batcher when one is given (never inside a transaction). */
export async function itemsByCodes(
  scope: StoreScope,
  batcher: ItemsBatcher | null,
  merchantId: string,
  codes: readonly string[],
  ctx: ReadContext,
): Promise<CodeItems> {
  checkFault(scope.faults, ctx);
  if (codes.length === 0) return new JoinedItems([], scope.faults);
  if (batcher) {
    const rows = await batcher.load(codes.map((code) => `${merchantId}:${code}`));
    return new JoinedItems(rows, scope.faults);
  }
  const query = BY_CODES.bind({ merchant_id: merchantId, codes: [...codes] });
  return new JoinedItems((await scope.db.executeQuery(query)).rows, scope.faults);
}

/** itemsByCodes that row-locks the vouchers, in item id order (the redeem's read). */
export async function lockedItemsByCodes(
  scope: StoreScope,
  merchantId: string,
  codes: readonly string[],
  ctx: ReadContext,
): Promise<CodeItems> {
  checkFault(scope.faults, ctx);
  if (codes.length === 0) return new JoinedItems([], scope.faults);
  const query = BY_CODES_LOCKED.bind({ merchant_id: merchantId, codes: [...codes] });
  try {
    return new JoinedItems((await scope.db.executeQuery(query)).rows, scope.faults);
  } catch (err) {
    // 40001 while locking: a voucher changed by a writer that committed after this transaction's snapshot.
    if ((err as { code?: unknown }).code === "40001") throw new ConcurrentWriteLost((err as Error).message);
    throw err;
  }
}

export async function itemsByShopOrder(
  scope: StoreScope,
  merchantId: string,
  shopOrderId: string,
  ctx: ReadContext,
): Promise<CodeItems> {
  checkFault(scope.faults, ctx);
  const query = BY_SHOP_ORDER.bind({ merchant_id: merchantId, shop_order_id: shopOrderId });
  return new JoinedItems((await scope.db.executeQuery(query)).rows, scope.faults);
}

export async function vouchersByCodes(
  scope: StoreScope,
  merchantId: string,
  codes: readonly string[],
  ctx: ReadContext,
): Promise<VoucherRecord[]> {
  checkFault(scope.faults, ctx);
  if (codes.length === 0) return [];
  const rows = await scope.db
    .selectFrom("vouchers")
    .selectAll()
    .where("code", "in", codes)
    .where("merchant_id", "=", merchantId)
    .execute();
  return rows.map(toVoucher);
}

export async function vouchersByShopOrder(
  scope: StoreScope,
  merchantId: string,
  shopOrderId: string,
  ctx: ReadContext,
): Promise<VoucherRecord[]> {
  checkFault(scope.faults, ctx);
  const rows = await scope.db
    .selectFrom("vouchers")
    .selectAll()
    .where("shop_order_id", "=", shopOrderId)
    .where("merchant_id", "=", merchantId)
    .orderBy("item_order_id")
    .execute();
  return rows.map(toVoucher);
}

export async function vouchersByItems(
  scope: StoreScope,
  itemOrderIds: readonly string[],
  ctx: ReadContext,
): Promise<VoucherRecord[]> {
  checkFault(scope.faults, ctx);
  if (itemOrderIds.length === 0) return [];
  const rows = await scope.db
    .selectFrom("vouchers")
    .selectAll()
    .where("item_order_id", "in", itemOrderIds)
    .execute();
  return rows.map(toVoucher);
}

export async function executionOrders(
  scope: StoreScope,
  itemOrderIds: readonly string[],
  ctx: ReadContext,
): Promise<ExecutionOrderRecord[]> {
  checkFault(scope.faults, ctx);
  if (itemOrderIds.length === 0) return [];
  const rows = await scope.db
    .selectFrom("execution_orders")
    .selectAll()
    .where("item_order_id", "in", itemOrderIds)
    .execute();
  return rows.map((row) => ({
    itemOrderId: row.item_order_id,
    status: row.status as FulfillStatus,
    startTime: num(row.start_time),
    endTime: num(row.end_time),
    version: Number(row.version),
  }));
}

export async function subOrders(
  scope: StoreScope,
  itemOrderIds: readonly string[],
  ctx: ReadContext,
): Promise<SubOrderRecord[]> {
  checkFault(scope.faults, ctx);
  if (itemOrderIds.length === 0) return [];
  const rows = await scope.db
    .selectFrom("sub_fulfillment_orders")
    .selectAll()
    .where("item_order_id", "in", itemOrderIds)
    .execute();
  return rows.map((row) => ({
    itemOrderId: row.item_order_id,
    status: row.status as FulfillStatus,
    version: Number(row.version),
  }));
}

export async function shopSnapshots(
  scope: StoreScope,
  itemOrderIds: readonly string[],
  ctx: ReadContext,
): Promise<ShopSnapshot[]> {
  checkFault(scope.faults, ctx);
  if (itemOrderIds.length === 0) return [];
  const rows = await scope.db
    .selectFrom("shop_snapshots")
    .selectAll()
    .where("item_order_id", "in", itemOrderIds)
    .execute();
  return rows.map((row) => ({ itemOrderId: row.item_order_id, thirdShopIds: row.third_shop_ids }));
}

export async function shopOrder(
  scope: StoreScope,
  merchantId: string,
  shopOrderId: string,
  ctx: ReadContext,
): Promise<ShopOrderRecord | null> {
  checkFault(scope.faults, ctx);
  const row = await scope.db
    .selectFrom("shop_orders")
    .selectAll()
    .where("shop_order_id", "=", shopOrderId)
    .where("merchant_id", "=", merchantId)
    .executeTakeFirst();
  return row ? toShopOrder(row) : null;
}

/** A shop order by id alone, for the platform side (the customer's QR). */
export async function shopOrderById(scope: StoreScope, shopOrderId: string): Promise<ShopOrderRecord | null> {
  const row = await scope.db
    .selectFrom("shop_orders")
    .selectAll()
    .where("shop_order_id", "=", shopOrderId)
    .executeTakeFirst();
  return row ? toShopOrder(row) : null;
}

function toShopOrder(row: {
  shop_order_id: string;
  merchant_id: string;
  product_id: string;
  user_id: string;
  create_time: string;
}): ShopOrderRecord {
  return {
    shopOrderId: row.shop_order_id,
    merchantId: row.merchant_id,
    productId: row.product_id,
    userId: row.user_id,
    createTime: Number(row.create_time),
  };
}
