/**
 * The ports of the platform's use cases (core/platform-*.ts): the writer of the platform's
 * records (apps, merchants, shops, grants, holidays, products, orders and their items), the
 * operator alerts, the request log as support reads it, the sandbox's switches. The store
 * implements them (store/world-writer.ts, store/alert-store.ts); the root binds them.
 */
import type { FulfillStatus } from "../domain/status.js";
import type { BusinessClock } from "./ports.js";

/** The three records of one item, as a world names them. */
export interface ItemRows {
  voucherStatus: FulfillStatus;
  executionStatus: FulfillStatus;
  executionStart: number | null;
  executionEnd: number | null;
  subStatus: FulfillStatus;
  snapshot: string[];
}

export interface ProductUpsert {
  product_id: string;
  third_product_id: string;
  merchant_id: string;
  name: string;
  names?: Record<string, string> | undefined;
  image_url: string;
  crossed_minor: string;
  sale_minor: string;
  currency: string;
  refund_rule_desc: string;
  valid_from: number | null;
  valid_to: number | null;
  usable_weekdays: number[];
  usable_hours?: { start: string; end: string }[] | undefined;
  holidays_unavailable: boolean;
  applicable_third_shop_ids: string[];
  auto_refund_expired?: boolean | undefined;
}

/** What an order's items take from their product. */
export interface ProductForOrder {
  merchant_id: string;
  valid_from: number | null;
  valid_to: number | null;
  applicable_third_shop_ids: string[];
}

/** Create-or-replace writes by id, inside one transaction. */
export interface PlatformWriteTx {
  upsertApp(
    appId: string,
    clientKey: string,
    secretEnc: string,
    name: string,
    webhookUrl: string | null,
  ): Promise<void>;
  upsertMerchant(id: string, name: string, country: string, timezone: string): Promise<void>;
  upsertShop(shopId: string, merchantId: string, thirdShopId: string, name: string): Promise<void>;
  /** False when the app is unknown. */
  upsertGrant(
    clientKey: string,
    merchantId: string,
    scopes: string[],
    thirdShopIds: string[],
  ): Promise<boolean>;
  /** Revokes a grant and every token issued under it; false when there is no such grant. */
  revokeGrant(clientKey: string, merchantId: string, now: number): Promise<boolean>;
  upsertHoliday(country: string, date: string, name: string): Promise<void>;
  upsertProduct(p: ProductUpsert): Promise<void>;
  productForOrder(productId: string): Promise<ProductForOrder | undefined>;
  /** Deletes the redemption records of a shop order (the demo's reload: its codes start unused again). */
  forgetRedemptions(shopOrderId: string): Promise<void>;
  upsertShopOrder(
    id: string,
    merchantId: string,
    productId: string,
    userId: string,
    createTime: number,
  ): Promise<void>;
  upsertItem(
    shopOrderId: string,
    merchantId: string,
    productId: string,
    itemOrderId: string,
    code: string,
    rows: ItemRows,
    window: { start: number | null; end: number | null },
  ): Promise<void>;
}

export interface PlatformWriter {
  /**
   * Runs the writes in one transaction. A write the database refuses as bad data or a broken
   * constraint (a code or a shop's third id already taken, an id beyond int64, an amount out of
   * range, a NUL character, an unknown merchant) rolls it back and throws `RecordRefused`.
   */
  write<T>(fn: (w: PlatformWriteTx) => Promise<T>): Promise<T>;
}

/** The port error of a record the database refused (nothing was written). */
export class RecordRefused extends Error {
  override name = "RecordRefused";
}

export interface OperatorAlert {
  readonly type: "code_enumeration";
  readonly atMs: number;
  /** Whose budget tripped: an app's (with merchant) or a device's own. */
  readonly budget: "app" | "device";
  readonly appId: string;
  readonly merchantId: string;
  readonly deviceId: string | null;
  readonly misses: number;
  readonly windowSeconds: number;
}

/** An alert as stored: its id orders alerts raised in the same millisecond. */
export interface StoredAlert extends OperatorAlert {
  readonly alertId: string;
}

/** Where a page of alerts continues: after this alert, newest first. */
export interface AlertPosition {
  readonly atMs: number;
  readonly alertId: string;
}

export interface AlertLog {
  insert(alert: OperatorAlert): Promise<void>;
  /** Newest first (by time, then id), after `after` when given. */
  recent(limit: number, after?: AlertPosition): Promise<StoredAlert[]>;
}

/** One request as the request log kept it (what support reads by log id). */
export interface LoggedRequest {
  readonly logId: string;
  readonly endpoint: string;
  readonly appId: string | null;
  readonly merchantId: string | null;
  readonly outcomeRow: string;
  readonly httpStatus: number;
  readonly durationMs: number;
  readonly cause: string | null;
  readonly redeemId: string | null;
  readonly createdAt: number;
}

export interface RequestLogLookup {
  requestLog(logId: string): Promise<LoggedRequest | null>;
}

/** The sandbox's fault board (CONTRACT.md section 7). */
export interface FaultSwitches {
  arm(point: string, times: number, merchantId: string | null): void;
  clear(): void;
  list(): { point: string; times: number; merchant_id: string | null }[];
}

/** The business clock the sandbox may freeze (null releases it). */
export interface FreezableClock extends BusinessClock {
  freeze(at: number | null): void;
  readonly frozen: number | null;
}
