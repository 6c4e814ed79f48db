/**
 * The parts of a sandbox world (CONTRACT.md section 7), written once: the demo world, the tests'
 * worlds and the bench's base world are all built from these, so the shape of an app, a
 * merchant, a grant, a product or an order lives here only. Pure functions, no I/O.
 */
import type {
  WorldAppT,
  WorldGrantT,
  WorldHolidayT,
  WorldItemT,
  WorldMerchantT,
  WorldProductT,
  WorldShopT,
  WorldT,
} from "./world-schema.js";

export type { WorldAppT, WorldGrantT, WorldHolidayT, WorldMerchantT, WorldProductT, WorldShopT };
export type WorldOrderT = NonNullable<WorldT["orders"]>[number];
export type ItemStatus = WorldItemT["status"];

/** Both SaaS scopes: what a POS app is granted unless a test narrows it. */
export const FULFILL_SCOPES: readonly string[] = [
  "localservice.fulfill.query",
  "localservice.fulfill.redeem",
];

export const DAY_SECONDS = 86_400;

export function app(clientKey: string, clientSecret: string, name: string): WorldAppT {
  return { client_key: clientKey, client_secret: clientSecret, name, webhook_url: null };
}

export function shop(shopId: string, thirdShopId: string, name: string): WorldShopT {
  return { shop_id: shopId, third_shop_id: thirdShopId, name };
}

/** A grant of `scopes` (both SaaS scopes by default) at `thirdShopIds` (empty: every shop). */
export function grant(
  clientKey: string,
  scopes: readonly string[] = FULFILL_SCOPES,
  thirdShopIds: readonly string[] = [],
): WorldGrantT {
  return { client_key: clientKey, scopes: [...scopes], third_shop_ids: [...thirdShopIds] };
}

/** A merchant in Indonesia (Asia/Jakarta) unless told otherwise. */
export function merchant(spec: {
  merchantId: string;
  name: string;
  shops: WorldShopT[];
  grants?: WorldGrantT[];
  country?: string;
  timezone?: string;
}): WorldMerchantT {
  return {
    merchant_id: spec.merchantId,
    name: spec.name,
    country: spec.country ?? "ID",
    timezone: spec.timezone ?? "Asia/Jakarta",
    shops: spec.shops,
    grants: spec.grants ?? [],
  };
}

export function holiday(country: string, date: string, name: string): WorldHolidayT {
  return { country, date, name };
}

export const CHRISTMAS_2026 = holiday("ID", "2026-12-25", "Christmas Day");
export const NEW_YEAR_2027 = holiday("ID", "2027-01-01", "New Year's Day");

/**
 * A product: the ids, its window and its shops are the caller's; everything else defaults to
 * the coffee set for two (IDR, usable any day and hour, refundable before use).
 */
export function product(
  spec: Pick<
    WorldProductT,
    | "product_id"
    | "third_product_id"
    | "merchant_id"
    | "valid_from"
    | "valid_to"
    | "applicable_third_shop_ids"
  > &
    Partial<WorldProductT>,
): WorldProductT {
  return {
    name: "Coffee set for two",
    names: { "id-ID": "Paket kopi berdua" },
    image_url: "https://img.example/p1.jpg",
    crossed_amount: "150000",
    sale_amount: "99000",
    currency: "IDR",
    refund_rule_desc: "Refundable any time before use",
    usable_weekdays: [1, 2, 3, 4, 5, 6, 7],
    usable_hours: [],
    holidays_unavailable: false,
    ...spec,
  };
}

/** An item of an order: its id, its code, the voucher's status and (optionally) its other stages. */
export function item(
  itemOrderId: string,
  code: string,
  status: ItemStatus,
  stages: Omit<WorldItemT, "item_order_id" | "code" | "status"> = {},
): WorldItemT {
  return { ...stages, item_order_id: itemOrderId, code, status };
}

export function order(
  shopOrderId: string,
  productId: string,
  userId: string,
  items: WorldItemT[],
): WorldOrderT {
  return { shop_order_id: shopOrderId, product_id: productId, user_id: userId, items };
}

/** A whole world; the parts left out are empty. */
export function world(parts: WorldT): Required<WorldT> {
  return {
    apps: parts.apps ?? [],
    merchants: parts.merchants ?? [],
    holidays: parts.holidays ?? [],
    products: parts.products ?? [],
    orders: parts.orders ?? [],
  };
}
