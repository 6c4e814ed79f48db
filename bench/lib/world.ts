/**
 * The benchmark world: one app, one merchant with two shops, one product, and N shop orders of
 * one item each. Item i (0 ≤ i < N) has a deterministic id and code, so the load generator,
 * the pgbench scripts (bench/limit/) and the checks can all name it without a lookup table.
 *
 * Codes are 12 digits, unique: code(i) = (i · P mod 9·10^11) + 10^11 with P = 982451653 (a
 * prime, coprime with 9·10^11), so consecutive items get codes scattered over the index.
 */
import {
  app,
  CHRISTMAS_2026,
  DAY_SECONDS,
  grant,
  merchant,
  NEW_YEAR_2027,
  product,
  shop,
  world,
} from "../../packages/server/src/sandbox/world-builders.js";
import type { WorldT } from "../../packages/server/src/sandbox/world-schema.js";
import { generatedItemsSql, ITEM_TABLES } from "../../packages/server/src/store/item-tables.js";

export const APP = { clientKey: "ck_bench", clientSecret: "cs_bench_secret", name: "Bench POS" };
export const MERCHANT = "7000000000000000101";
export const SHOP_ID = "7100000000000000101";
export const THIRD_SHOP = "S-001";
export const OTHER_SHOP_ID = "7100000000000000102";
export const OTHER_THIRD_SHOP = "S-002";
export const PRODUCT = "7200000000000000101";
export const USER = "6900000000000000101";
export const LOCALE = "id-ID";

export const ORDER_BASE = 5800000000000000000n;
export const ITEM_BASE = 5810000000000000000n;
export const CODE_MULT = 982451653n;
export const CODE_MOD = 900000000000n;
export const CODE_MIN = 100000000000n;

export function codeOf(i: number): string {
  return (((BigInt(i) * CODE_MULT) % CODE_MOD) + CODE_MIN).toString();
}
export function orderOf(i: number): string {
  return (ORDER_BASE + BigInt(i)).toString();
}
export function itemOf(i: number): string {
  return (ITEM_BASE + BigInt(i)).toString();
}

/**
 * The 100-code orders of the redeem_100 scenario (PostgreSQL worlds): items [n, n + 100·K) after
 * the world's one-item orders, 100 to an order, order j = MULTI_ORDER_BASE + n/100 + j.
 */
export const MULTI = { orders: 1500, perOrder: 100 } as const;
export const MULTI_ORDER_BASE = 5890000000000000000n;

export function multiOrderOf(n: number, j: number): { order: string; codes: string[] } {
  const first = n + j * MULTI.perOrder;
  return {
    order: (MULTI_ORDER_BASE + BigInt(first / MULTI.perOrder)).toString(),
    codes: Array.from({ length: MULTI.perOrder }, (_, m) => codeOf(first + m)),
  };
}

/** Which items each scenario may touch: redeems never reach the lookup-by-QR orders or the contested range. */
export interface Layout {
  readonly n: number;
  /** Item used to capture the real response bodies (it ends up redeemed). */
  readonly sample: number;
  /** [start, end): contested redeems; never reset, so the double-redeem check sees all of it. */
  readonly contested: readonly [number, number];
  /** [start, end): distinct-code redeems (HTTP and pgbench); reset to WAIT_FULFILL between runs. */
  readonly redeem: readonly [number, number];
  /** [start, end): orders whose QR is scanned; never redeemed, so their QRs stay fresh. */
  readonly qr: readonly [number, number];
}

export function layout(n: number): Layout {
  if (n < 1000) throw new Error("the world needs at least 1000 vouchers");
  const contested = Math.min(50_000, Math.max(1500, Math.floor(n * 0.05)));
  const qr = Math.min(2000, Math.floor(n * 0.1));
  return {
    n,
    sample: 0,
    contested: [1, 1 + contested],
    redeem: [1 + contested, n - qr],
    qr: [n - qr, n],
  };
}

/** The base entities, loaded through the sandbox world format (POST /sandbox/world or loadWorld). */
export function baseWorld(nowSec: number): WorldT {
  return world({
    apps: [app(APP.clientKey, APP.clientSecret, APP.name)],
    merchants: [
      merchant({
        merchantId: MERCHANT,
        name: "Kopi Bench",
        shops: [shop(SHOP_ID, THIRD_SHOP, "Sudirman"), shop(OTHER_SHOP_ID, OTHER_THIRD_SHOP, "Kemang")],
        grants: [grant(APP.clientKey)],
      }),
    ],
    holidays: [CHRISTMAS_2026, NEW_YEAR_2027],
    products: [
      product({
        product_id: PRODUCT,
        third_product_id: "P-BENCH",
        merchant_id: MERCHANT,
        valid_from: nowSec - 30 * DAY_SECONDS,
        valid_to: nowSec + 365 * DAY_SECONDS,
        applicable_third_shop_ids: [THIRD_SHOP],
      }),
    ],
  });
}

/**
 * The SQL that writes items [a, b) with all their records (shop order, item order, voucher,
 * execution order, sub-fulfillment order, shop snapshot), all WAIT_FULFILL, the product's window:
 * the store's own item-table writer, set-based.
 */
export function itemBatchSql(a: number, b: number, nowSec: number, perOrder = 1): string[] {
  return generatedItemsSql({
    first: a,
    end: b,
    orderIdBase: perOrder === 1 ? ORDER_BASE : MULTI_ORDER_BASE,
    itemsPerOrder: perOrder,
    itemIdBase: ITEM_BASE,
    code: { multiplier: CODE_MULT, modulus: CODE_MOD, minimum: CODE_MIN },
    merchantId: MERCHANT,
    productId: PRODUCT,
    userId: USER,
    createTime: nowSec,
    status: "WAIT_FULFILL",
    startTime: nowSec - 30 * 86400,
    endTime: nowSec + 365 * 86400,
    snapshot: [THIRD_SHOP],
  });
}

/** Puts items [a, b) back to WAIT_FULFILL (after a distinct-code redeem run), so the next run starts alike. */
export function resetItemsSql(a: number, b: number): string[] {
  const range = `item_order_id BETWEEN ${ITEM_BASE + BigInt(a)} AND ${ITEM_BASE + BigInt(b - 1)} AND status = 'FINISH'`;
  return [
    `UPDATE vouchers SET status = 'WAIT_FULFILL', version = version + 1, redeem_id = NULL, redeemed_shop_id = NULL,
       redeemed_third_shop_id = NULL, redemption_source = NULL, redeem_time = NULL WHERE ${range}`,
    `UPDATE execution_orders SET status = 'WAIT_FULFILL', version = version + 1 WHERE ${range}`,
    `UPDATE sub_fulfillment_orders SET status = 'WAIT_FULFILL', version = version + 1 WHERE ${range}`,
  ];
}

export const LOADED_TABLES = ITEM_TABLES;

/** The double-redeem check over the contested range: per code at most one live redemption. */
export function contestedCheckSql(a: number, b: number): { doubles: string; counts: string } {
  const orders = `shop_order_id BETWEEN ${ORDER_BASE + BigInt(a)} AND ${ORDER_BASE + BigInt(b - 1)}`;
  return {
    doubles: `SELECT c AS code, count(*)::int AS n FROM redemptions, unnest(codes) AS c
              WHERE ${orders} AND status = 'REDEEMED' GROUP BY c HAVING count(*) > 1`,
    counts: `SELECT (SELECT count(*)::int FROM redemptions WHERE ${orders} AND status = 'REDEEMED') AS redemptions,
                    (SELECT count(*)::int FROM vouchers WHERE ${orders} AND status = 'FINISH') AS finished,
                    (SELECT count(*)::int FROM vouchers v WHERE ${orders} AND status = 'FINISH' AND NOT EXISTS
                       (SELECT 1 FROM redemptions r WHERE r.redeem_id = v.redeem_id AND v.code::text = ANY (r.codes))) AS orphans,
                    (SELECT count(*)::int FROM outbox WHERE ${orders} AND event_type = 'ttls.fulfill.redeem.result') AS events`,
  };
}
