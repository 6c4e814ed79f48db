/**
 * The demo world `npm start` loads: one merchant in Jakarta with two shops, products with
 * different rules, orders in several states. Its credentials are test data, printed freely.
 */
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
  const year = 365 * 86400;
  const base = {
    merchant_id: DEMO.merchantId,
    image_url: "https://img.example/p1.jpg",
    currency: "IDR",
    valid_from: now - 30 * 86400,
    valid_to: now + year,
  };
  const item = (
    n: number,
    code: string,
    status: "WAIT_FULFILL" | "FINISH" | "AFTER_SALE_PROCESSING" | "AFTER_SALE_SUCCESS",
  ) => ({
    item_order_id: `58100000000000000${String(n).padStart(2, "0")}`,
    code,
    status,
  });
  return {
    apps: [
      { client_key: DEMO.clientKey, client_secret: DEMO.clientSecret, name: "Demo POS", webhook_url: null },
    ],
    merchants: [
      {
        merchant_id: DEMO.merchantId,
        name: "Kopi Nusantara",
        country: "ID",
        timezone: "Asia/Jakarta",
        shops: [
          { shop_id: "7100000000000000001", third_shop_id: DEMO.shop, name: "Sudirman" },
          { shop_id: "7100000000000000002", third_shop_id: DEMO.otherShop, name: "Kemang" },
        ],
        grants: [
          {
            client_key: DEMO.clientKey,
            scopes: ["localservice.fulfill.query", "localservice.fulfill.redeem"],
            third_shop_ids: [],
          },
        ],
      },
    ],
    holidays: [
      { country: "ID", date: "2026-12-25", name: "Christmas Day" },
      { country: "ID", date: "2027-01-01", name: "New Year's Day" },
    ],
    products: [
      {
        ...base,
        product_id: "7200000000000000001",
        third_product_id: "P-001",
        name: "Coffee set for two",
        names: { "id-ID": "Paket kopi berdua" },
        crossed_amount: "150000",
        sale_amount: "99000",
        refund_rule_desc: "Refundable any time before use",
        usable_weekdays: [1, 2, 3, 4, 5, 6, 7],
        usable_hours: [],
        holidays_unavailable: false,
        applicable_third_shop_ids: [DEMO.shop, DEMO.otherShop],
      },
      {
        ...base,
        product_id: "7200000000000000002",
        third_product_id: "P-002",
        name: "Weekday lunch set",
        names: { "id-ID": "Paket makan siang hari kerja" },
        crossed_amount: "120000",
        sale_amount: "75000",
        refund_rule_desc: "Refundable within 7 days of purchase",
        usable_weekdays: [1, 2, 3, 4, 5],
        usable_hours: [{ start: "08:00", end: "22:00" }],
        holidays_unavailable: true,
        applicable_third_shop_ids: [DEMO.shop],
      },
      {
        ...base,
        product_id: "7200000000000000003",
        third_product_id: "P-003",
        name: "Spa visit (Kemang only)",
        names: { "id-ID": "Kunjungan spa (hanya Kemang)" },
        crossed_amount: "500000",
        sale_amount: "350000",
        refund_rule_desc: "Not refundable after booking",
        usable_weekdays: [1, 2, 3, 4, 5, 6, 7],
        usable_hours: [{ start: "10:00", end: "20:00" }],
        holidays_unavailable: false,
        applicable_third_shop_ids: [DEMO.otherShop],
      },
    ],
    orders: [
      {
        shop_order_id: DEMO.shopOrderId,
        product_id: "7200000000000000001",
        user_id: "6900000000000000001",
        items: [
          item(1, DEMO.code, "WAIT_FULFILL"),
          item(2, "123456789013", "WAIT_FULFILL"),
          item(3, "123456789014", "FINISH"),
        ],
      },
      {
        shop_order_id: "5800000000000000002",
        product_id: "7200000000000000002",
        user_id: "6900000000000000002",
        items: [item(4, "223456789012", "WAIT_FULFILL"), item(5, "223456789013", "AFTER_SALE_PROCESSING")],
      },
      {
        shop_order_id: "5800000000000000003",
        product_id: "7200000000000000003",
        user_id: "6900000000000000003",
        items: [item(6, "323456789012", "WAIT_FULFILL"), item(7, "323456789013", "AFTER_SALE_SUCCESS")],
      },
    ],
  };
}
