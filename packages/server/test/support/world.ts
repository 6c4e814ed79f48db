/** The tests' world: the shared world builders with the tests' ids, clock and fresh order ids. */
import {
  app,
  CHRISTMAS_2026,
  grant,
  merchant,
  shop,
  type WorldProductT,
  world,
  item as worldItem,
  order as worldOrder,
  product as worldProduct,
} from "../../src/sandbox/world-builders.js";
import type { WorldItemT, WorldT } from "../../src/sandbox/world-schema.js";

export const MERCHANT = "7000000000000000001";
export const OTHER_MERCHANT = "7000000000000000002";
export const SHOP_1 = "S-001";
export const SHOP_2 = "S-002";
export const SHOP_ID_1 = "7100000000000000001";
export const SHOP_ID_2 = "7100000000000000002";

/** 2026-12-01 (a Tuesday) 10:00 in Asia/Jakarta (UTC+7). */
export const NOW = Date.UTC(2026, 11, 1, 3, 0, 0) / 1000;
export const DAY = 86_400;

export type Product = WorldProductT;

/** A product of MERCHANT at S-001, usable any time within NOW ± 30 days, unless overridden. */
export function product(id: string, overrides: Partial<Product> = {}): Product {
  return worldProduct({
    product_id: id,
    third_product_id: `P-${id.slice(-4)}`,
    merchant_id: MERCHANT,
    valid_from: NOW - 30 * DAY,
    valid_to: NOW + 30 * DAY,
    applicable_third_shop_ids: [SHOP_1],
    ...overrides,
  });
}

let next = 0;
/** A fresh shop order id, item id and code for each call (unique within a test run). */
export function freshIds(): { order: string; item: () => string; code: () => string } {
  next += 1;
  const base = 5800000000000000000n + BigInt(next) * 1000n;
  let items = 0;
  return {
    order: base.toString(),
    item: () => {
      items += 1;
      return (base + 500n + BigInt(items)).toString();
    },
    code: () => String(100000000000 + next * 1000 + items).padStart(12, "0"),
  };
}

export interface OrderSpec {
  productId: string;
  items: Omit<WorldItemT, "item_order_id" | "code">[];
}

export interface BuiltOrder {
  shopOrderId: string;
  codes: string[];
  itemIds: string[];
}

export function order(spec: OrderSpec): { order: NonNullable<WorldT["orders"]>[number]; built: BuiltOrder } {
  const ids = freshIds();
  const items = spec.items.map(({ status, ...stages }) => worldItem(ids.item(), ids.code(), status, stages));
  return {
    order: worldOrder(ids.order, spec.productId, "6900000000000000001", items),
    built: {
      shopOrderId: ids.order,
      codes: items.map((i) => i.code),
      itemIds: items.map((i) => i.item_order_id),
    },
  };
}

export function baseWorld(): WorldT {
  return world({
    apps: [app("ck_demo", "cs_demo", "Demo POS")],
    merchants: [
      merchant({
        merchantId: MERCHANT,
        name: "Kopi Nusantara",
        shops: [shop(SHOP_ID_1, SHOP_1, "Sudirman"), shop(SHOP_ID_2, SHOP_2, "Kemang")],
        grants: [grant("ck_demo")],
      }),
      merchant({
        merchantId: OTHER_MERCHANT,
        name: "Other Merchant",
        shops: [shop("7100000000000000009", "O-001", "Other")],
      }),
    ],
    holidays: [CHRISTMAS_2026],
  });
}
