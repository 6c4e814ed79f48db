/**
 * One set of migrations for PGlite and PostgreSQL 15: nothing newer than 15, one statement
 * per entry (PGlite runs one statement per query). Append only; never edit a shipped entry.
 */
import { ALERT_MIGRATIONS } from "./migrations-alerts.js";
import { AUDIT_MIGRATIONS } from "./migrations-audit.js";
import { DEVICE_MIGRATIONS } from "./migrations-devices.js";
import { EVENT_MIGRATIONS } from "./migrations-events.js";
import { KEY_MIGRATIONS } from "./migrations-keys.js";

export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly statements: readonly string[];
}

const CORE_MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: "fulfillment core",
    statements: [
      `CREATE TABLE apps (
        app_id bigint PRIMARY KEY,
        client_key text NOT NULL UNIQUE,
        client_secret_enc text NOT NULL,
        name text NOT NULL,
        webhook_url text,
        created_at bigint NOT NULL
      )`,
      `CREATE TABLE merchants (
        merchant_id bigint PRIMARY KEY,
        name text NOT NULL,
        country char(2) NOT NULL,
        timezone text NOT NULL
      )`,
      `CREATE TABLE shops (
        shop_id bigint PRIMARY KEY,
        merchant_id bigint NOT NULL REFERENCES merchants(merchant_id),
        third_shop_id text NOT NULL,
        name text NOT NULL,
        UNIQUE (merchant_id, third_shop_id)
      )`,
      `CREATE TABLE grants (
        app_id bigint NOT NULL REFERENCES apps(app_id),
        merchant_id bigint NOT NULL REFERENCES merchants(merchant_id),
        scopes text[] NOT NULL,
        third_shop_ids text[] NOT NULL,
        revoked_at bigint,
        version integer NOT NULL DEFAULT 1,
        PRIMARY KEY (app_id, merchant_id)
      )`,
      `CREATE TABLE holidays (
        country char(2) NOT NULL,
        date char(10) NOT NULL,
        name text NOT NULL,
        PRIMARY KEY (country, date)
      )`,
      `CREATE TABLE products (
        product_id bigint PRIMARY KEY,
        merchant_id bigint NOT NULL REFERENCES merchants(merchant_id),
        third_product_id text NOT NULL,
        name text NOT NULL,
        names jsonb NOT NULL DEFAULT '{}',
        image_url text NOT NULL,
        crossed_amount bigint NOT NULL,
        sale_amount bigint NOT NULL,
        currency char(3) NOT NULL,
        refund_rule_desc text NOT NULL,
        valid_from bigint,
        valid_to bigint,
        usable_weekdays smallint[] NOT NULL,
        usable_hours jsonb NOT NULL DEFAULT '[]',
        holidays_unavailable boolean NOT NULL,
        applicable_third_shop_ids text[] NOT NULL,
        auto_refund_expired boolean NOT NULL DEFAULT false
      )`,
      `CREATE TABLE shop_orders (
        shop_order_id bigint PRIMARY KEY,
        merchant_id bigint NOT NULL REFERENCES merchants(merchant_id),
        product_id bigint NOT NULL REFERENCES products(product_id),
        user_id bigint NOT NULL,
        create_time bigint NOT NULL
      )`,
      `CREATE TABLE item_orders (
        item_order_id bigint PRIMARY KEY,
        shop_order_id bigint NOT NULL REFERENCES shop_orders(shop_order_id),
        product_id bigint NOT NULL REFERENCES products(product_id)
      )`,
      `CREATE INDEX item_orders_shop_order ON item_orders (shop_order_id)`,
      `CREATE TABLE vouchers (
        item_order_id bigint PRIMARY KEY REFERENCES item_orders(item_order_id),
        code char(12) NOT NULL UNIQUE,
        shop_order_id bigint NOT NULL,
        merchant_id bigint NOT NULL,
        product_id bigint NOT NULL,
        status text NOT NULL,
        start_time bigint,
        end_time bigint,
        version integer NOT NULL DEFAULT 1,
        redeem_id bigint,
        redeemed_shop_id bigint,
        redeemed_third_shop_id text,
        redemption_source smallint,
        redeem_time bigint
      )`,
      `CREATE INDEX vouchers_shop_order ON vouchers (shop_order_id)`,
      `CREATE INDEX vouchers_expiry ON vouchers (end_time) WHERE status = 'WAIT_FULFILL'`,
      `CREATE TABLE execution_orders (
        item_order_id bigint PRIMARY KEY REFERENCES item_orders(item_order_id),
        status text NOT NULL,
        start_time bigint,
        end_time bigint,
        version integer NOT NULL DEFAULT 1
      )`,
      `CREATE TABLE sub_fulfillment_orders (
        item_order_id bigint PRIMARY KEY REFERENCES item_orders(item_order_id),
        status text NOT NULL,
        version integer NOT NULL DEFAULT 1
      )`,
      `CREATE TABLE shop_snapshots (
        item_order_id bigint PRIMARY KEY REFERENCES item_orders(item_order_id),
        third_shop_ids text[] NOT NULL
      )`,
      `CREATE TABLE after_sale_orders (
        after_sale_order_id bigint PRIMARY KEY,
        shop_order_id bigint NOT NULL,
        merchant_id bigint NOT NULL,
        item_order_ids text[] NOT NULL,
        status text NOT NULL,
        apply_source smallint NOT NULL,
        create_time bigint NOT NULL,
        update_time bigint NOT NULL
      )`,
      `CREATE INDEX after_sale_orders_shop_order ON after_sale_orders (shop_order_id)`,
      `CREATE TABLE redemptions (
        redeem_id bigint PRIMARY KEY,
        shop_order_id bigint NOT NULL,
        app_id bigint,
        merchant_id bigint NOT NULL,
        shop_id bigint NOT NULL,
        third_shop_id text NOT NULL,
        source smallint NOT NULL,
        codes text[] NOT NULL,
        item_order_ids text[] NOT NULL,
        redeem_time bigint NOT NULL,
        status text NOT NULL,
        cancel_time bigint
      )`,
      `CREATE INDEX redemptions_shop_order_time ON redemptions (shop_order_id, redeem_time)`,
      `CREATE INDEX redemptions_merchant_time ON redemptions (merchant_id, redeem_time DESC, redeem_id DESC)`,
      `CREATE TABLE outbox (
        event_id bigint PRIMARY KEY,
        event_type text NOT NULL,
        shop_order_id bigint NOT NULL,
        merchant_id bigint NOT NULL,
        app_id bigint,
        user_id bigint NOT NULL,
        create_time bigint NOT NULL,
        content jsonb NOT NULL,
        delivered_at bigint
      )`,
      `CREATE INDEX outbox_pending ON outbox (event_id) WHERE delivered_at IS NULL`,
      `CREATE INDEX outbox_shop_order ON outbox (shop_order_id, event_id)`,
      `CREATE TABLE request_log (
        log_id text PRIMARY KEY,
        endpoint text NOT NULL,
        app_id bigint,
        merchant_id bigint,
        outcome_row text NOT NULL,
        http_status smallint NOT NULL,
        duration_ms integer NOT NULL,
        cause text,
        redeem_id bigint,
        created_at bigint NOT NULL
      )`,
      `CREATE INDEX request_log_created ON request_log (created_at)`,
      `CREATE SEQUENCE worker_ids`,
    ],
  },
  {
    id: 2,
    name: "gateway: tokens and idempotency keys",
    statements: [
      `CREATE TABLE oauth_tokens (
        token_hash char(64) PRIMARY KEY,
        kind text NOT NULL,
        app_id bigint NOT NULL,
        merchant_id bigint NOT NULL,
        expires_at bigint NOT NULL,
        revoked_at bigint,
        created_at bigint NOT NULL
      )`,
      `CREATE INDEX oauth_tokens_grant ON oauth_tokens (app_id, merchant_id)`,
      `CREATE TABLE idempotency_keys (
        app_id bigint NOT NULL,
        merchant_id bigint NOT NULL,
        key text NOT NULL,
        body_hash char(64) NOT NULL,
        state text NOT NULL,
        response jsonb,
        created_at_ms bigint NOT NULL,
        PRIMARY KEY (app_id, merchant_id, key)
      )`,
      `CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at_ms)`,
    ],
  },
];

/** Every migration, in id order. Event delivery keeps its own list (ids 3, 5, 7, …) so it can grow apart. */
export const MIGRATIONS: readonly Migration[] = [
  ...CORE_MIGRATIONS,
  ...EVENT_MIGRATIONS,
  ...DEVICE_MIGRATIONS,
  ...ALERT_MIGRATIONS,
  ...KEY_MIGRATIONS,
  ...AUDIT_MIGRATIONS,
].sort((a, b) => a.id - b.id);
