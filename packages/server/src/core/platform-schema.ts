/**
 * The platform's records in the world format of CONTRACT.md section 7 (the sandbox world, and
 * each platform API body), as typebox schemas (also in /openapi.json).
 */
import { type Static, Type } from "typebox";

const Id = Type.String({ pattern: "^[1-9][0-9]{0,18}$" });
const ThirdId = Type.String({ minLength: 1, maxLength: 64 });
const Status = Type.Union([
  Type.Literal("INIT"),
  Type.Literal("WAIT_FULFILL"),
  Type.Literal("FINISH"),
  Type.Literal("AFTER_SALE_PROCESSING"),
  Type.Literal("AFTER_SALE_SUCCESS"),
]);
const UnixTime = Type.Integer({ minimum: 0, maximum: 253402300799 });
const Clock = Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$" });

export const WorldApp = Type.Object({
  client_key: ThirdId,
  client_secret: Type.String({ minLength: 1, maxLength: 256 }),
  name: Type.String({ minLength: 1, maxLength: 128 }),
  webhook_url: Type.Optional(Type.Union([Type.String({ maxLength: 2048 }), Type.Null()])),
});

export const WorldGrant = Type.Object({
  client_key: ThirdId,
  scopes: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16 }),
  third_shop_ids: Type.Optional(Type.Array(ThirdId, { maxItems: 1000 })),
});

export const WorldShop = Type.Object({
  shop_id: Id,
  third_shop_id: ThirdId,
  name: Type.String({ minLength: 1, maxLength: 128 }),
});

export const WorldMerchant = Type.Object({
  merchant_id: Id,
  name: Type.String({ minLength: 1, maxLength: 128 }),
  country: Type.String({ pattern: "^[A-Z]{2}$" }),
  timezone: Type.String({ minLength: 1, maxLength: 64 }),
  shops: Type.Optional(Type.Array(WorldShop, { maxItems: 1000 })),
  grants: Type.Optional(Type.Array(WorldGrant, { maxItems: 100 })),
});

export const WorldHoliday = Type.Object({
  country: Type.String({ pattern: "^[A-Z]{2}$" }),
  date: Type.String({ pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" }),
  name: Type.String({ minLength: 1, maxLength: 128 }),
});

export const WorldProduct = Type.Object({
  product_id: Id,
  third_product_id: ThirdId,
  merchant_id: Id,
  name: Type.String({ minLength: 1, maxLength: 256 }),
  names: Type.Optional(Type.Record(Type.String({ maxLength: 35 }), Type.String({ maxLength: 256 }))),
  image_url: Type.String({ maxLength: 2048 }),
  crossed_amount: Type.String({ pattern: "^[0-9]{1,18}(\\.[0-9]{1,3})?$" }),
  sale_amount: Type.String({ pattern: "^[0-9]{1,18}(\\.[0-9]{1,3})?$" }),
  currency: Type.String({ pattern: "^[A-Z]{3}$" }),
  refund_rule_desc: Type.String({ maxLength: 1024 }),
  valid_from: Type.Union([UnixTime, Type.Null()]),
  valid_to: Type.Union([UnixTime, Type.Null()]),
  usable_weekdays: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { maxItems: 7 }),
  usable_hours: Type.Optional(Type.Array(Type.Object({ start: Clock, end: Clock }), { maxItems: 24 })),
  holidays_unavailable: Type.Boolean(),
  applicable_third_shop_ids: Type.Array(ThirdId, { maxItems: 1000 }),
  auto_refund_expired: Type.Optional(Type.Boolean()),
});

export const WorldItem = Type.Object({
  item_order_id: Id,
  code: Type.String({ pattern: "^[0-9]{12}$" }),
  status: Status,
  execution: Type.Optional(
    Type.Object({
      status: Type.Optional(Status),
      start_time: Type.Optional(Type.Union([UnixTime, Type.Null()])),
      end_time: Type.Optional(Type.Union([UnixTime, Type.Null()])),
    }),
  ),
  sub_fulfillment: Type.Optional(
    Type.Object({
      status: Type.Optional(Status),
      applicable_third_shop_ids: Type.Optional(
        Type.Union([Type.Array(ThirdId, { maxItems: 1000 }), Type.Null()]),
      ),
    }),
  ),
});

export const WorldOrder = Type.Object({
  shop_order_id: Id,
  product_id: Id,
  user_id: Id,
  create_time: Type.Optional(UnixTime),
  items: Type.Array(WorldItem, { minItems: 1, maxItems: 100 }),
});

export const World = Type.Object({
  apps: Type.Optional(Type.Array(WorldApp, { maxItems: 1000 })),
  merchants: Type.Optional(Type.Array(WorldMerchant, { maxItems: 1000 })),
  holidays: Type.Optional(Type.Array(WorldHoliday, { maxItems: 10000 })),
  products: Type.Optional(Type.Array(WorldProduct, { maxItems: 10000 })),
  orders: Type.Optional(Type.Array(WorldOrder, { maxItems: 100000 })),
});

export type WorldT = Static<typeof World>;
export type WorldItemT = Static<typeof WorldItem>;
export type WorldAppT = Static<typeof WorldApp>;
export type WorldMerchantT = Static<typeof WorldMerchant>;
export type WorldShopT = Static<typeof WorldShop>;
export type WorldGrantT = Static<typeof WorldGrant>;
export type WorldHolidayT = Static<typeof WorldHoliday>;
export type WorldProductT = Static<typeof WorldProduct>;
