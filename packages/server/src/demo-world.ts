/**
 * The demo world `npm start` loads: one merchant in Jakarta with two shops, products with
 * different rules, orders in several states. Its credentials are test data, printed freely.
 */
import {
  app,
  CHRISTMAS_2026,
  DAY_SECONDS,
  grant,
  type ItemStatus,
  item,
  merchant,
  NEW_YEAR_2027,
  order,
  product,
  shop,
  world,
} from "./sandbox/world-builders.js";
import type { WorldT } from "./sandbox/world-schema.js";

export const DEMO = {
  clientKey: "ck_demo",
  clientSecret: "cs_demo",
  merchantId: "7000000000000000001",
  shop: "S-001",
  otherShop: "S-002",
  code: "123456789012",
  shopOrderId: "5800000000000000001",
};

export function demoWorld(now: number): WorldT {
  const window = { valid_from: now - 30 * DAY_SECONDS, valid_to: now + 365 * DAY_SECONDS };
  const demoItem = (n: number, code: string, status: ItemStatus) =>
    item(`58100000000000000${String(n).padStart(2, "0")}`, code, status);
  return world({
    apps: [app(DEMO.clientKey, DEMO.clientSecret, "Demo POS")],
    merchants: [
      merchant({
        merchantId: DEMO.merchantId,
        name: "Kopi Nusantara",
        shops: [
          shop("7100000000000000001", DEMO.shop, "Sudirman"),
          shop("7100000000000000002", DEMO.otherShop, "Kemang"),
        ],
        grants: [grant(DEMO.clientKey)],
      }),
    ],
    holidays: [CHRISTMAS_2026, NEW_YEAR_2027],
    products: [
      product({
        ...window,
        product_id: "7200000000000000001",
        third_product_id: "P-001",
        merchant_id: DEMO.merchantId,
        applicable_third_shop_ids: [DEMO.shop, DEMO.otherShop],
      }),
      product({
        ...window,
        product_id: "7200000000000000002",
        third_product_id: "P-002",
        merchant_id: DEMO.merchantId,
        name: "Weekday lunch set",
        names: { "id-ID": "Paket makan siang hari kerja" },
        crossed_amount: "120000",
        sale_amount: "75000",
        refund_rule_desc: "Refundable within 7 days of purchase",
        usable_weekdays: [1, 2, 3, 4, 5],
        usable_hours: [{ start: "08:00", end: "22:00" }],
        holidays_unavailable: true,
        applicable_third_shop_ids: [DEMO.shop],
      }),
      product({
        ...window,
        product_id: "7200000000000000003",
        third_product_id: "P-003",
        merchant_id: DEMO.merchantId,
        name: "Spa visit (Kemang only)",
        names: { "id-ID": "Kunjungan spa (hanya Kemang)" },
        crossed_amount: "500000",
        sale_amount: "350000",
        refund_rule_desc: "Not refundable after booking",
        usable_hours: [{ start: "10:00", end: "20:00" }],
        applicable_third_shop_ids: [DEMO.otherShop],
      }),
    ],
    orders: [
      order(DEMO.shopOrderId, "7200000000000000001", "6900000000000000001", [
        demoItem(1, DEMO.code, "WAIT_FULFILL"),
        demoItem(2, "123456789013", "WAIT_FULFILL"),
        demoItem(3, "123456789014", "FINISH"),
      ]),
      order("5800000000000000002", "7200000000000000002", "6900000000000000002", [
        demoItem(4, "223456789012", "WAIT_FULFILL"),
        demoItem(5, "223456789013", "AFTER_SALE_PROCESSING"),
      ]),
      order("5800000000000000003", "7200000000000000003", "6900000000000000003", [
        demoItem(6, "323456789012", "WAIT_FULFILL"),
        demoItem(7, "323456789013", "AFTER_SALE_SUCCESS"),
      ]),
    ],
  });
}
