/**
 * generatedItemsSql (store/item-tables.ts), the set-based writer of the benchmark's worlds: one
 * item per shop order by default, or `itemsPerOrder` items to an order (bench redeem_100).
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../src/store/database.js";
import { generatedItemsSql } from "../../src/store/item-tables.js";

const spec = (first: number, end: number, orderIdBase: bigint, itemsPerOrder?: number) => ({
  first,
  end,
  orderIdBase,
  itemIdBase: 5810000000000000000n,
  ...(itemsPerOrder ? { itemsPerOrder } : {}),
  code: { multiplier: 982451653n, modulus: 900000000000n, minimum: 100000000000n },
  merchantId: "7000000000000000101",
  productId: "7200000000000000101",
  userId: "6900000000000000101",
  createTime: 1_800_000_000,
  status: "WAIT_FULFILL" as const,
  startTime: 1_790_000_000,
  endTime: 1_810_000_000,
  snapshot: ["S-001"],
});

describe("generated items", () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ memory: true });
    // As the bench loads them: the merchant and product rows are not there (no foreign keys checked).
    await sql`SET session_replication_role = replica`.execute(database.db);
    for (const s of generatedItemsSql(spec(0, 5, 5800000000000000000n)))
      await sql.raw(s).execute(database.db);
    for (const s of generatedItemsSql(spec(100, 400, 5890000000000000000n, 100)))
      await sql.raw(s).execute(database.db);
  });
  afterAll(async () => database?.close());

  const count = async (query: string) =>
    Number((await sql.raw<{ n: string }>(query).execute(database.db)).rows[0]?.n);

  it("writes one shop order per item by default", async () => {
    expect(
      await count("SELECT count(*) AS n FROM shop_orders WHERE shop_order_id < 5890000000000000000"),
    ).toBe(5);
    expect(
      await count(
        "SELECT count(DISTINCT shop_order_id) AS n FROM vouchers WHERE shop_order_id < 5890000000000000000",
      ),
    ).toBe(5);
  });

  it("writes itemsPerOrder items to each order, and one shop order row per order", async () => {
    const orders = await sql<{ shop_order_id: string; n: string }>`
      SELECT shop_order_id, count(*) AS n FROM vouchers WHERE shop_order_id >= 5890000000000000000
      GROUP BY shop_order_id ORDER BY shop_order_id`.execute(database.db);
    expect(orders.rows).toEqual([
      { shop_order_id: "5890000000000000001", n: "100" },
      { shop_order_id: "5890000000000000002", n: "100" },
      { shop_order_id: "5890000000000000003", n: "100" },
    ]);
    expect(
      await count("SELECT count(*) AS n FROM shop_orders WHERE shop_order_id >= 5890000000000000000"),
    ).toBe(3);
    for (const table of ["item_orders", "execution_orders", "sub_fulfillment_orders", "shop_snapshots"])
      expect(await count(`SELECT count(*) AS n FROM ${table}`)).toBe(305);
    expect(await count("SELECT count(DISTINCT code) AS n FROM vouchers")).toBe(305);
  });

  it("refuses a first item that does not start an order", () => {
    expect(() => generatedItemsSql(spec(150, 400, 5890000000000000000n, 100))).toThrow(/itemsPerOrder/);
  });
});
