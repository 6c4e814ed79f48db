/** A compact world builder for tests, in the sandbox world format of CONTRACT.md section 7. */
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

export type Product = NonNullable<WorldT["products"]>[number];

export function product(id: string, overrides: Partial<Product> = {}): Product {
  return {
    product_id: id,
    third_product_id: `P-${id.slice(-4)}`,
    merchant_id: MERCHANT,
    name: "Coffee set for two",
    names: { "id-ID": "Paket kopi berdua" },
    image_url: "https://img.example/p1.jpg",
    crossed_amount: "150000",
    sale_amount: "99000",
    currency: "IDR",
    refund_rule_desc: "Refundable any time before use",
    valid_from: NOW - 30 * DAY,
    valid_to: NOW + 30 * DAY,
    usable_weekdays: [1, 2, 3, 4, 5, 6, 7],
    usable_hours: [],
    holidays_unavailable: false,
    applicable_third_shop_ids: [SHOP_1],
    ...overrides,
  };
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
  const items = spec.items.map((i) => {
    const item_order_id = ids.item();
    return { ...i, item_order_id, code: ids.code() };
  });
  return {
    order: { shop_order_id: ids.order, product_id: spec.productId, user_id: "6900000000000000001", items },
    built: {
      shopOrderId: ids.order,
      codes: items.map((i) => i.code),
      itemIds: items.map((i) => i.item_order_id),
    },
  };
}

export function baseWorld(): WorldT {
  return {
    apps: [{ client_key: "ck_demo", client_secret: "cs_demo", name: "Demo POS", webhook_url: null }],
    merchants: [
      {
        merchant_id: MERCHANT,
        name: "Kopi Nusantara",
        country: "ID",
        timezone: "Asia/Jakarta",
        shops: [
          { shop_id: SHOP_ID_1, third_shop_id: SHOP_1, name: "Sudirman" },
          { shop_id: SHOP_ID_2, third_shop_id: SHOP_2, name: "Kemang" },
        ],
        grants: [
          {
            client_key: "ck_demo",
            scopes: ["localservice.fulfill.query", "localservice.fulfill.redeem"],
            third_shop_ids: [],
          },
        ],
      },
      {
        merchant_id: OTHER_MERCHANT,
        name: "Other Merchant",
        country: "ID",
        timezone: "Asia/Jakarta",
        shops: [{ shop_id: "7100000000000000009", third_shop_id: "O-001", name: "Other" }],
        grants: [],
      },
    ],
    holidays: [{ country: "ID", date: "2026-12-25", name: "Christmas Day" }],
    products: [],
    orders: [],
  };
}
