/**
 * The one writer of the item tables: a shop order and, for each item, its item order, voucher,
 * execution order, sub-fulfillment order and shop snapshot. `ITEM_COLUMNS` names what an item
 * writes, once; the rest (versions, redemption fields) is the schema's defaults.
 *
 * Three callers: a placed order (orders.ts, `insertItems`), the sandbox world and the platform's
 * writes (world-writer.ts, `upsertShopOrder` / `upsertItem`: create or replace by id), and the
 * benchmark's world of millions of items (bench/lib/world.ts, `generatedItemsSql`: set-based).
 */
import type { Insertable } from "kysely";
import type { FulfillStatus } from "../domain/status.js";
import type { DB } from "./schema.js";
import type { Executor } from "./scope.js";

const ITEM_COLUMNS = {
  shop_orders: ["shop_order_id", "merchant_id", "product_id", "user_id", "create_time"],
  item_orders: ["item_order_id", "shop_order_id", "product_id"],
  vouchers: [
    "item_order_id",
    "code",
    "shop_order_id",
    "merchant_id",
    "product_id",
    "status",
    "start_time",
    "end_time",
  ],
  execution_orders: ["item_order_id", "status", "start_time", "end_time"],
  sub_fulfillment_orders: ["item_order_id", "status"],
  shop_snapshots: ["item_order_id", "third_shop_ids"],
} as const;

type ItemTable = keyof typeof ITEM_COLUMNS;
/** The item tables in the order they are written (each row's parent first). */
export const ITEM_TABLES = Object.keys(ITEM_COLUMNS) as ItemTable[];

type Row<T extends ItemTable> = {
  [C in (typeof ITEM_COLUMNS)[T][number]]: C extends keyof Insertable<DB[T]> ? Insertable<DB[T]>[C] : never;
};

export interface ShopOrderWrite {
  readonly shopOrderId: string;
  readonly merchantId: string;
  readonly productId: string;
  readonly userId: string;
  readonly createTime: number;
}

/** One item and the state of each of its records. */
export interface ItemWrite {
  readonly itemOrderId: string;
  readonly code: string;
  readonly productId: string;
  readonly voucher: RecordWrite;
  readonly execution: RecordWrite;
  readonly subStatus: FulfillStatus;
  /** The third shop ids the item may be redeemed at, as of the order. */
  readonly snapshot: readonly string[];
}

export interface RecordWrite {
  readonly status: FulfillStatus;
  readonly startTime: number | null;
  readonly endTime: number | null;
}

const shopOrderRow = (order: ShopOrderWrite): Row<"shop_orders"> => ({
  shop_order_id: order.shopOrderId,
  merchant_id: order.merchantId,
  product_id: order.productId,
  user_id: order.userId,
  create_time: order.createTime,
});

type OrderOfItem = Pick<ShopOrderWrite, "shopOrderId" | "merchantId">;

const itemOrderRow = (order: OrderOfItem, item: ItemWrite): Row<"item_orders"> => ({
  item_order_id: item.itemOrderId,
  shop_order_id: order.shopOrderId,
  product_id: item.productId,
});

const voucherRow = (order: OrderOfItem, item: ItemWrite): Row<"vouchers"> => ({
  item_order_id: item.itemOrderId,
  code: item.code,
  shop_order_id: order.shopOrderId,
  merchant_id: order.merchantId,
  product_id: item.productId,
  status: item.voucher.status,
  start_time: item.voucher.startTime,
  end_time: item.voucher.endTime,
});

const executionRow = (item: ItemWrite): Row<"execution_orders"> => ({
  item_order_id: item.itemOrderId,
  status: item.execution.status,
  start_time: item.execution.startTime,
  end_time: item.execution.endTime,
});

const subRow = (item: ItemWrite): Row<"sub_fulfillment_orders"> => ({
  item_order_id: item.itemOrderId,
  status: item.subStatus,
});

const snapshotRow = (item: ItemWrite): Row<"shop_snapshots"> => ({
  item_order_id: item.itemOrderId,
  third_shop_ids: [...item.snapshot],
});

/** A new shop order with its items, one statement per table (a duplicate code fails with 23505). */
export async function insertItems(
  db: Executor,
  order: ShopOrderWrite,
  items: readonly ItemWrite[],
): Promise<void> {
  await db.insertInto("shop_orders").values(shopOrderRow(order)).execute();
  if (items.length === 0) return;
  await db
    .insertInto("item_orders")
    .values(items.map((item) => itemOrderRow(order, item)))
    .execute();
  await db
    .insertInto("vouchers")
    .values(items.map((item) => voucherRow(order, item)))
    .execute();
  await db.insertInto("execution_orders").values(items.map(executionRow)).execute();
  await db.insertInto("sub_fulfillment_orders").values(items.map(subRow)).execute();
  await db.insertInto("shop_snapshots").values(items.map(snapshotRow)).execute();
}

/** Creates a shop order or replaces its merchant, product and user (its creation time stays). */
export async function upsertShopOrder(db: Executor, order: ShopOrderWrite): Promise<void> {
  const row = shopOrderRow(order);
  await db
    .insertInto("shop_orders")
    .values(row)
    .onConflict((oc) =>
      oc
        .column("shop_order_id")
        .doUpdateSet({ merchant_id: row.merchant_id, product_id: row.product_id, user_id: row.user_id }),
    )
    .execute();
}

/**
 * Creates an item or replaces its records: a replaced record's version is bumped (a reader
 * holding the old one loses its conditional move) and a replaced voucher is no longer redeemed.
 */
export async function upsertItem(db: Executor, order: OrderOfItem, item: ItemWrite): Promise<void> {
  const { item_order_id: _order, ...itemOrder } = itemOrderRow(order, item);
  await db
    .insertInto("item_orders")
    .values(itemOrderRow(order, item))
    .onConflict((oc) => oc.column("item_order_id").doUpdateSet(itemOrder))
    .execute();
  const { item_order_id: _voucher, ...voucher } = voucherRow(order, item);
  const unredeemed = {
    redeem_id: null,
    redeemed_shop_id: null,
    redeemed_third_shop_id: null,
    redemption_source: null,
    redeem_time: null,
  };
  await db
    .insertInto("vouchers")
    .values({ ...voucherRow(order, item), ...unredeemed })
    .onConflict((oc) =>
      oc
        .column("item_order_id")
        .doUpdateSet((eb) => ({ ...voucher, ...unredeemed, version: eb("vouchers.version", "+", 1) })),
    )
    .execute();
  const { item_order_id: _execution, ...execution } = executionRow(item);
  await db
    .insertInto("execution_orders")
    .values(executionRow(item))
    .onConflict((oc) =>
      oc
        .column("item_order_id")
        .doUpdateSet((eb) => ({ ...execution, version: eb("execution_orders.version", "+", 1) })),
    )
    .execute();
  await db
    .insertInto("sub_fulfillment_orders")
    .values(subRow(item))
    .onConflict((oc) =>
      oc.column("item_order_id").doUpdateSet((eb) => ({
        status: item.subStatus,
        version: eb("sub_fulfillment_orders.version", "+", 1),
      })),
    )
    .execute();
  const snapshot = snapshotRow(item);
  await db
    .insertInto("shop_snapshots")
    .values(snapshot)
    .onConflict((oc) => oc.column("item_order_id").doUpdateSet({ third_shop_ids: snapshot.third_shop_ids }))
    .execute();
}

/** Items i in [first, end), generated by the database: ids and codes are functions of i. */
export interface GeneratedItems {
  readonly first: number;
  readonly end: number;
  readonly orderIdBase: bigint;
  readonly itemIdBase: bigint;
  /** Items per shop order (default 1): item i belongs to order orderIdBase + floor(i / itemsPerOrder). */
  readonly itemsPerOrder?: number;
  /** code(i) = (i · multiplier mod modulus) + minimum: distinct 12-digit codes when they are coprime. */
  readonly code: { readonly multiplier: bigint; readonly modulus: bigint; readonly minimum: bigint };
  readonly merchantId: string;
  readonly productId: string;
  readonly userId: string;
  readonly createTime: number;
  /** Every record of every item: this status, and (voucher, execution order) this window. */
  readonly status: FulfillStatus;
  readonly startTime: number;
  readonly endTime: number;
  readonly snapshot: readonly string[];
}

/**
 * The statements that write generated items, one INSERT … SELECT per table (a million items in
 * seconds). Plain statements with literals, so PostgreSQL (pg) and PGlite run them alike.
 */
export function generatedItemsSql(spec: GeneratedItems): string[] {
  const id = (value: string | number | bigint): string => {
    if (!/^-?\d+$/.test(String(value))) throw new Error(`not an id: ${value}`);
    return String(value);
  };
  const text = (value: string): string => `'${value.replaceAll("'", "''")}'`;
  const perOrder = spec.itemsPerOrder ?? 1;
  if (!Number.isInteger(perOrder) || perOrder < 1 || spec.first % perOrder !== 0)
    throw new Error("itemsPerOrder must be a positive integer dividing first");
  const order = perOrder === 1 ? `${id(spec.orderIdBase)} + i` : `${id(spec.orderIdBase)} + i / ${perOrder}`;
  const item = `${id(spec.itemIdBase)} + i`;
  const { multiplier, modulus, minimum } = spec.code;
  const values: { [T in ItemTable]: Record<keyof Row<T>, string> } = {
    shop_orders: {
      shop_order_id: order,
      merchant_id: id(spec.merchantId),
      product_id: id(spec.productId),
      user_id: id(spec.userId),
      create_time: id(spec.createTime),
    },
    item_orders: { item_order_id: item, shop_order_id: order, product_id: id(spec.productId) },
    vouchers: {
      item_order_id: item,
      code: `((i * ${id(multiplier)}) % ${id(modulus)} + ${id(minimum)})::text`,
      shop_order_id: order,
      merchant_id: id(spec.merchantId),
      product_id: id(spec.productId),
      status: text(spec.status),
      start_time: id(spec.startTime),
      end_time: id(spec.endTime),
    },
    execution_orders: {
      item_order_id: item,
      status: text(spec.status),
      start_time: id(spec.startTime),
      end_time: id(spec.endTime),
    },
    sub_fulfillment_orders: { item_order_id: item, status: text(spec.status) },
    shop_snapshots: {
      item_order_id: item,
      third_shop_ids: `ARRAY[${spec.snapshot.map(text).join(", ")}]::text[]`,
    },
  };
  const series = `generate_series(${id(spec.first)}::bigint, ${id(spec.end - 1)}::bigint) AS i`;
  return ITEM_TABLES.map((table) => {
    const columns: readonly string[] = ITEM_COLUMNS[table];
    const row = values[table] as Record<string, string>;
    // One shop order row per order: the first of its items.
    const oneRowPerOrder = table === "shop_orders" && perOrder > 1 ? ` WHERE i % ${perOrder} = 0` : "";
    return `INSERT INTO ${table} (${columns.join(", ")}) SELECT ${columns.map((c) => row[c]).join(", ")} FROM ${series}${oneRowPerOrder}`;
  });
}
