/** What the core reads and writes, independent of how the store keeps it. */
import type { FulfillStatus } from "../domain/status.js";
import type { Holiday, HourRange } from "../domain/usable-time.js";

export interface MerchantRecord {
  readonly merchantId: string;
  readonly name: string;
  readonly country: string;
  readonly timezone: string;
}

export interface ShopRecord {
  readonly shopId: string;
  readonly merchantId: string;
  readonly thirdShopId: string;
  readonly name: string;
}

export interface ProductRecord {
  readonly productId: string;
  readonly merchantId: string;
  readonly thirdProductId: string;
  readonly name: string;
  readonly names: Readonly<Record<string, string>>;
  readonly imageUrl: string;
  readonly crossedAmount: string; // minor units
  readonly saleAmount: string; // minor units
  readonly currency: string;
  readonly refundRuleDesc: string;
  readonly validFrom: number | null;
  readonly validTo: number | null;
  readonly usableWeekdays: readonly number[];
  readonly usableHours: readonly HourRange[];
  readonly holidaysUnavailable: boolean;
  readonly applicableThirdShopIds: readonly string[];
  readonly autoRefundExpired: boolean;
}

export interface VoucherRecord {
  readonly itemOrderId: string;
  readonly code: string;
  readonly shopOrderId: string;
  readonly merchantId: string;
  readonly productId: string;
  readonly status: FulfillStatus;
  readonly startTime: number | null;
  readonly endTime: number | null;
  readonly version: number;
  readonly redeemId: string | null;
  readonly redeemedShopId: string | null;
  readonly redeemedThirdShopId: string | null;
  readonly redemptionSource: number | null;
  readonly redeemTime: number | null;
}

export interface ExecutionOrderRecord {
  readonly itemOrderId: string;
  readonly status: FulfillStatus;
  readonly startTime: number | null;
  readonly endTime: number | null;
  readonly version: number;
}

export interface SubOrderRecord {
  readonly itemOrderId: string;
  readonly status: FulfillStatus;
  readonly version: number;
}

export interface ShopSnapshot {
  readonly itemOrderId: string;
  readonly thirdShopIds: readonly string[];
}

export interface ShopOrderRecord {
  readonly shopOrderId: string;
  readonly merchantId: string;
  readonly productId: string;
  readonly userId: string;
  readonly createTime: number;
}

export interface RedemptionRecord {
  readonly redeemId: string;
  readonly shopOrderId: string;
  readonly appId: string | null;
  readonly merchantId: string;
  readonly shopId: string;
  readonly thirdShopId: string;
  readonly source: number;
  readonly codes: readonly string[];
  readonly itemOrderIds: readonly string[];
  readonly redeemTime: number;
  readonly status: "REDEEMED" | "CANCELLED";
  readonly cancelTime: number | null;
}

export interface AfterSaleOrderRecord {
  readonly afterSaleOrderId: string;
  readonly shopOrderId: string;
  readonly merchantId: string;
  readonly itemOrderIds: readonly string[];
  readonly status: "PROCESSING" | "SUCCESS" | "CLOSED";
  readonly applySource: number;
  readonly createTime: number;
  readonly updateTime: number;
}

export interface OutboxEvent {
  readonly eventId: string;
  readonly eventType: string;
  readonly shopOrderId: string;
  readonly merchantId: string;
  readonly appId: string | null;
  readonly userId: string;
  readonly createTime: number;
  readonly content: Readonly<Record<string, unknown>>;
  /** Which grants it goes to (CONTRACT.md section 8): those covering one of the event's shops. */
  readonly audience: EventAudience;
}

/** The event's shops: where a redeem or a cancel happened, or the items' applicable-shop snapshots (after-sale). */
export type EventAudience = { readonly thirdShopId: string } | { readonly snapshotsOf: readonly string[] };

export type { Holiday };
