/** The fulfillment statuses shared by vouchers, execution orders and sub-fulfillment orders. */
export const STATUSES = [
  "INIT",
  "WAIT_FULFILL",
  "FINISH",
  "AFTER_SALE_PROCESSING",
  "AFTER_SALE_SUCCESS",
] as const;
export type FulfillStatus = (typeof STATUSES)[number];

/** TTLS `redemption_status` numbers. */
export const REDEMPTION_STATUS: Record<FulfillStatus, number> = {
  INIT: 0,
  WAIT_FULFILL: 100,
  FINISH: 400,
  AFTER_SALE_PROCESSING: 500,
  AFTER_SALE_SUCCESS: 501,
};

export const REDEMPTION_SOURCE = { MERCHANT_APP: 1, SAAS: 2 } as const;
export type RedemptionSource = (typeof REDEMPTION_SOURCE)[keyof typeof REDEMPTION_SOURCE];

export function isFulfillStatus(value: unknown): value is FulfillStatus {
  return typeof value === "string" && (STATUSES as readonly string[]).includes(value);
}
