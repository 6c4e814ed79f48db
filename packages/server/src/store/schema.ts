/** Kysely's view of the tables of migrations.ts. int8 columns come back as decimal strings. */
import type { ColumnType, Generated } from "kysely";
import type { AlertTables } from "./schema-alerts.js";
import type { AuditTables } from "./schema-audit.js";
import type { DeviceTables } from "./schema-devices.js";
import type { EventTables } from "./schema-events.js";

type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;
type NullableInt8 = ColumnType<
  string | null,
  string | number | bigint | null,
  string | number | bigint | null
>;
type Json<T> = ColumnType<T, string, string>;

export interface AppsTable {
  app_id: Int8;
  client_key: string;
  client_secret_enc: string;
  name: string;
  webhook_url: string | null;
  created_at: Int8;
}
export interface MerchantsTable {
  merchant_id: Int8;
  name: string;
  country: string;
  timezone: string;
}
export interface ShopsTable {
  shop_id: Int8;
  merchant_id: Int8;
  third_shop_id: string;
  name: string;
}
export interface GrantsTable {
  app_id: Int8;
  merchant_id: Int8;
  scopes: string[];
  third_shop_ids: string[];
  revoked_at: NullableInt8;
  version: Generated<number>;
}
export interface HolidaysTable {
  country: string;
  date: string;
  name: string;
}
export interface ProductsTable {
  product_id: Int8;
  merchant_id: Int8;
  third_product_id: string;
  name: string;
  names: Json<Record<string, string>>;
  image_url: string;
  crossed_amount: Int8;
  sale_amount: Int8;
  currency: string;
  refund_rule_desc: string;
  valid_from: NullableInt8;
  valid_to: NullableInt8;
  usable_weekdays: number[];
  usable_hours: Json<{ start: string; end: string }[]>;
  holidays_unavailable: boolean;
  applicable_third_shop_ids: string[];
  auto_refund_expired: boolean;
}
export interface ShopOrdersTable {
  shop_order_id: Int8;
  merchant_id: Int8;
  product_id: Int8;
  user_id: Int8;
  create_time: Int8;
}
export interface ItemOrdersTable {
  item_order_id: Int8;
  shop_order_id: Int8;
  product_id: Int8;
}
export interface VouchersTable {
  item_order_id: Int8;
  code: string;
  shop_order_id: Int8;
  merchant_id: Int8;
  product_id: Int8;
  status: string;
  start_time: NullableInt8;
  end_time: NullableInt8;
  version: Generated<number>;
  redeem_id: NullableInt8;
  redeemed_shop_id: NullableInt8;
  redeemed_third_shop_id: string | null;
  redemption_source: number | null;
  redeem_time: NullableInt8;
}
export interface ExecutionOrdersTable {
  item_order_id: Int8;
  status: string;
  start_time: NullableInt8;
  end_time: NullableInt8;
  version: Generated<number>;
}
export interface SubFulfillmentOrdersTable {
  item_order_id: Int8;
  status: string;
  version: Generated<number>;
}
export interface ShopSnapshotsTable {
  item_order_id: Int8;
  third_shop_ids: string[];
}
export interface AfterSaleOrdersTable {
  after_sale_order_id: Int8;
  shop_order_id: Int8;
  merchant_id: Int8;
  item_order_ids: string[];
  status: string;
  apply_source: number;
  create_time: Int8;
  update_time: Int8;
}
export interface RedemptionsTable {
  redeem_id: Int8;
  shop_order_id: Int8;
  app_id: NullableInt8;
  merchant_id: Int8;
  shop_id: Int8;
  third_shop_id: string;
  source: number;
  codes: string[];
  item_order_ids: string[];
  redeem_time: Int8;
  status: string;
  cancel_time: NullableInt8;
}
export interface OutboxTable {
  event_id: Int8;
  event_type: string;
  shop_order_id: Int8;
  merchant_id: Int8;
  app_id: NullableInt8;
  user_id: Int8;
  create_time: Int8;
  content: Json<Record<string, unknown>>;
  delivered_at: NullableInt8;
  /** The app ids the event goes to, fixed by the committing statement (migrations-events.ts, id 5). */
  recipients: ColumnType<string[], string[] | undefined, string[]>;
}
export interface RequestLogTable {
  log_id: string;
  endpoint: string;
  app_id: NullableInt8;
  merchant_id: NullableInt8;
  outcome_row: string;
  http_status: number;
  duration_ms: number;
  cause: string | null;
  redeem_id: NullableInt8;
  created_at: Int8;
}

export interface OAuthTokensTable {
  token_hash: string;
  kind: string;
  app_id: Int8;
  merchant_id: Int8;
  expires_at: Int8;
  revoked_at: NullableInt8;
  created_at: Int8;
}
export interface IdempotencyKeysTable {
  app_id: Int8;
  merchant_id: Int8;
  key: string;
  body_hash: string;
  state: string;
  response: ColumnType<unknown, string | null, string | null>;
  created_at_ms: Int8;
}

export interface DB extends EventTables, DeviceTables, AlertTables, AuditTables {
  oauth_tokens: OAuthTokensTable;
  idempotency_keys: IdempotencyKeysTable;
  apps: AppsTable;
  merchants: MerchantsTable;
  shops: ShopsTable;
  grants: GrantsTable;
  holidays: HolidaysTable;
  products: ProductsTable;
  shop_orders: ShopOrdersTable;
  item_orders: ItemOrdersTable;
  vouchers: VouchersTable;
  execution_orders: ExecutionOrdersTable;
  sub_fulfillment_orders: SubFulfillmentOrdersTable;
  shop_snapshots: ShopSnapshotsTable;
  after_sale_orders: AfterSaleOrdersTable;
  redemptions: RedemptionsTable;
  outbox: OutboxTable;
  request_log: RequestLogTable;
}
