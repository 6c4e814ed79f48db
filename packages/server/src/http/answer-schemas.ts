/**
 * The `data` of the operator's, the sandbox's and the POS's answers, for /openapi.json (each is
 * what its route's handler writes; the routes never serialize with them: http/openapi.ts).
 */
import { type TSchema, Type } from "typebox";

const Id = (description?: string) =>
  Type.String({ pattern: "^[0-9]{1,19}$", ...(description ? { description } : {}) });
const Nullable = (schema: TSchema) => Type.Union([schema, Type.Null()]);
const Seconds = (description?: string) =>
  Type.Integer({ format: "int64", ...(description ? { description } : {}) });
const NullableSeconds = (description: string) => Nullable(Seconds(description));
const ItemStatus = Type.String({
  enum: ["INIT", "WAIT_FULFILL", "FINISH", "AFTER_SALE_PROCESSING", "AFTER_SALE_SUCCESS"],
});

export const AlertsData = Type.Object({
  alerts: Type.Array(
    Type.Object({
      alert_id: Id(),
      type: Type.String({ enum: ["code_enumeration"] }),
      at: Seconds("Unix seconds"),
      budget: Type.String({ enum: ["app", "device"], description: "Whose budget tripped" }),
      app_id: Type.String(),
      merchant_id: Type.String(),
      device_id: Nullable(Type.String()),
      misses: Type.Integer(),
      window_seconds: Type.Integer(),
    }),
  ),
  has_more: Type.Boolean(),
  cursor: Nullable(Type.String({ description: "The next page's cursor, null on the last page" })),
});

export const LoggedRequestData = Type.Object({
  log_id: Type.String(),
  endpoint: Type.String(),
  app_id: Nullable(Type.String()),
  merchant_id: Nullable(Type.String()),
  outcome: Type.Object({
    row: Type.String({ description: "A catalogue row, a generic code, or OK" }),
    code: Type.String(),
    message: Type.String(),
    http_status: Type.Integer(),
  }),
  cause: Nullable(Type.String({ description: "The internal cause (never sent to the caller)" })),
  duration_ms: Type.Integer(),
  created_at: Seconds(),
  redemption: Nullable(
    Type.Object({
      redeem_id: Type.String(),
      shop_order_id: Type.String(),
      third_shop_id: Type.String(),
      codes: Type.Array(Type.String()),
      redeem_time: Seconds(),
      status: Type.String({ enum: ["REDEEMED", "CANCELLED"] }),
    }),
  ),
});

export const CreatedAppData = Type.Object({
  client_key: Type.String(),
  client_secret: Type.String({ description: "Shown once" }),
  name: Type.String(),
});

export const MerchantIdData = Type.Object({ merchant_id: Id() });

export const ShopData = Type.Object({
  shop_id: Id(),
  third_shop_id: Type.String(),
  name: Type.String(),
});

export const GrantData = Type.Object({
  client_key: Type.String(),
  scopes: Type.Array(Type.String()),
  third_shop_ids: Type.Array(Type.String(), { description: "Empty: every shop of the merchant" }),
});

export const RevokedData = Type.Object({ revoked: Type.Boolean({ enum: [true] }) });

export const HolidayData = Type.Object({ country: Type.String(), date: Type.String(), name: Type.String() });

export const ProductIdData = Type.Object({ product_id: Id() });

export const IssuedOrderData = Type.Object({
  shop_order_id: Id(),
  items: Type.Array(Type.Object({ item_order_id: Id(), code: Type.String() })),
});

export const OrderData = Type.Object({
  shop_order_id: Id(),
  merchant_id: Id(),
  product_id: Id(),
  user_id: Id(),
  create_time: Seconds(),
  items: Type.Array(
    Type.Object({
      item_order_id: Id(),
      code: Type.String(),
      voucher_status: ItemStatus,
      execution_status: ItemStatus,
      sub_fulfillment_status: ItemStatus,
      redemption_status: Type.Integer({ enum: [0, 100, 400, 500, 501] }),
      redeem_id: Nullable(Type.String()),
    }),
  ),
});

export const QrData = Type.Object({
  qr_info: Type.String({ description: "TT-…, what the customer's app shows" }),
  expires_at: Seconds(),
});

export const AfterSaleData = Type.Object({
  after_sale_order_id: Id(),
  shop_order_id: Id(),
  item_order_ids: Type.Array(Id()),
  status: Type.String(),
  apply_source: Type.Integer(),
  create_time: Seconds(),
  update_time: Seconds(),
});

export const RefundedData = Type.Object({
  refunded: Type.Array(
    Type.Object({ after_sale_order_id: Id(), shop_order_id: Id(), item_order_ids: Type.Array(Id()) }),
  ),
});

export const WorldLoadedData = Type.Object({
  loaded: Type.Object({
    apps: Type.Integer(),
    merchants: Type.Integer(),
    shops: Type.Integer(),
    holidays: Type.Integer(),
    products: Type.Integer(),
    orders: Type.Integer(),
    items: Type.Integer(),
  }),
});

const ArmedFault = Type.Object({
  point: Type.String(),
  times: Type.Integer(),
  merchant_id: Nullable(Type.String()),
});

export const FaultsData = Type.Object({
  armed: Type.Array(ArmedFault),
  points: Type.Optional(Type.Array(Type.String(), { description: "Every known fault point (GET only)" })),
});

export const ClockData = Type.Object({ now: Seconds("The business clock now"), frozen: Type.Boolean() });

const Device = Type.Object({
  device_id: Id(),
  merchant_id: Id(),
  third_shop_id: Type.String(),
  name: Type.String(),
  client_key: Nullable(Type.String({ description: "The app the device acts for, if any" })),
  device_client_key: Nullable(Type.String()),
  status: Type.String({ enum: ["PENDING", "PAIRED", "REVOKED"] }),
  create_time: Seconds(),
  pair_time: Seconds("0 until paired"),
  revoke_time: Seconds("0 until revoked"),
});

export const CreatedDeviceData = Type.Object({
  ...Device.properties,
  pairing_code: Type.String({ description: "One-time, shown once" }),
  pairing_code_expires_at: Seconds(),
  pair_path: Type.String({ description: "Where the POS is served (/pos/)" }),
});

export const DevicesData = Type.Object({
  devices: Type.Array(Device),
  has_more: Type.Boolean(),
  cursor: Nullable(Type.String({ description: "The next page's cursor, null on the last page" })),
});

export const RevokedDeviceData = Type.Object({ revoked: Type.Boolean({ enum: [true] }), device: Device });

export const PairedData = Type.Object({
  access_token: Type.String({
    description: "The device's token: Authorization: Bearer on the SaaS endpoints",
  }),
  expires_in: Seconds("Absolute Unix time"),
  device_id: Id(),
  device_name: Type.String(),
  merchant_id: Id(),
  third_shop_id: Type.String(),
  shop_name: Type.String(),
});

export const SessionData = Type.Object({
  device_id: Id(),
  device_name: Type.String(),
  merchant_id: Id(),
  merchant_name: Type.String(),
  third_shop_id: Type.String(),
  shop_name: Type.String(),
  timezone: Type.String(),
  now: Seconds("The business clock now"),
  day_start: Seconds("Start of today in the merchant's timezone"),
  cancel_window_seconds: Type.Integer(),
  can_redeem: Type.Boolean(),
});

export const DeadLettersData = Type.Object({
  dead_letters: Type.Array(
    Type.Object({
      event_id: Id(),
      event: Type.String(),
      client_key: Type.String(),
      shop_order_id: Type.String(),
      merchant_id: Type.String(),
      create_time: Seconds("The event's own time (business clock)"),
      attempts: Type.Integer(),
      replays: Type.Integer(),
      first_attempt_time: NullableSeconds("Real clock"),
      last_attempt_time: NullableSeconds("Real clock"),
      last_status: Nullable(Type.Integer()),
      last_error: Nullable(Type.String()),
      dead_time: NullableSeconds("Real clock"),
    }),
  ),
  has_more: Type.Boolean(),
  cursor: Nullable(Type.String({ description: "The next page's cursor, null on the last page" })),
});

export const ReplayedData = Type.Object({
  event_id: Id(),
  replayed: Type.Array(Type.String(), { description: "The client keys the event goes to again" }),
});

export const EventsData = Type.Object({
  shop_order_id: Id(),
  events: Type.Array(
    Type.Object({
      event_id: Id(),
      event: Type.String(),
      create_time: Seconds(),
      shop_order_id: Type.String(),
      merchant_id: Type.String(),
      user_id: Type.String(),
      content: Type.Object({}, { description: "The webhook's content (sent as a JSON string)" }),
      fanned_out: Type.Boolean(),
      fan_out_time: NullableSeconds("Real clock"),
      nats: Nullable(
        Type.Object({
          published: Type.Boolean(),
          publish_time: NullableSeconds("Real clock"),
          stream_seq: Nullable(Type.String()),
          attempts: Type.Integer(),
          last_error: Nullable(Type.String()),
        }),
      ),
      deliveries: Type.Array(
        Type.Object({
          client_key: Nullable(Type.String()),
          state: Type.String({ enum: ["PENDING", "DELIVERED", "DEAD"] }),
          attempts: Type.Integer(),
          replays: Type.Integer(),
          next_attempt_time: NullableSeconds("Real clock, while pending"),
          first_attempt_time: NullableSeconds("Real clock"),
          last_attempt_time: NullableSeconds("Real clock"),
          last_status: Nullable(Type.Integer()),
          last_error: Nullable(Type.String()),
          delivered_time: NullableSeconds("Real clock"),
          dead_time: NullableSeconds("Real clock"),
        }),
      ),
    }),
  ),
});
