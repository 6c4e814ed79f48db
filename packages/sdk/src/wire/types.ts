/** Wire types of CONTRACT.md sections 2, 4, 5 and 8 (field names and enums as TTLS writes them), bodies and answers. */

/** `redemption_status` of a CodeItem. */
export const RedemptionStatus = {
  INIT: 0,
  WAIT_FULFILL: 100,
  FINISH: 400,
  AFTER_SALE_PROCESSING: 500,
  AFTER_SALE_SUCCESS: 501,
} as const;
export type RedemptionStatusValue = (typeof RedemptionStatus)[keyof typeof RedemptionStatus];

/** `redemption_source` of a CodeItem or record. */
export const RedemptionSource = { MERCHANT_APP: 1, SAAS: 2 } as const;
export type RedemptionSourceValue = (typeof RedemptionSource)[keyof typeof RedemptionSource];

export interface CodeCannotUseEntry {
  type: "use_time" | "cannot_use_date";
  title: string;
  contents: string[];
}

/** One item of get_code_item_list (CONTRACT.md section 4). */
export interface CodeItem {
  code: string;
  item_order_id: string;
  product_name: string;
  goods_image_url: string;
  refund_rule_desc: string;
  crossed_amount: string;
  sale_amount: string;
  currency: string;
  code_can_use_time: { start_time: number; end_time: number };
  code_cannot_use_date: { enable: boolean; content_list: CodeCannotUseEntry[] };
  redemption_status: RedemptionStatusValue;
  product_id: string;
  third_product_id: string;
  /** Set once redeemed. */
  redeem_id?: string;
  redemption_source?: RedemptionSourceValue;
  /** int64 on the wire; a decimal string here, exact. */
  redeemed_shop_id?: string;
  /** (ext) The same digits as a string, for clients whose JSON parser rounds int64 numbers. */
  redeemed_shop_id_str?: string;
  /** "" while not redeemed. */
  redeemed_third_shop_id: string;
  /** (ext) Unix seconds, present when redeemed. */
  redeem_time?: number;
}

/** The token pair of `POST /merchant/oauth/token/`; times are absolute Unix seconds. */
export interface TokenPair {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

/** One record of query_redeem_record (CONTRACT.md section 8). */
export interface RedeemRecord {
  redeem_id: string;
  shop_order_id: string;
  codes: string[];
  item_order_ids: string[];
  third_shop_id: string;
  redeem_time: number;
  redemption_source: RedemptionSourceValue;
  status: "REDEEMED" | "CANCELLED";
  /** 0 while not cancelled. */
  cancel_time: number;
  can_cancel: boolean;
}

/** get_code_item_list's body: typed codes or a scanned QR string, never both. */
export type LookupBody = {
  merchant_id: string;
  third_shop_id: string;
  locale: string;
} & ({ code_list: string[]; qr_info?: undefined } | { qr_info: string; code_list?: undefined });

export interface LookupData {
  shop_order_id: string;
  code_list: CodeItem[];
}

/** redeem_code's body; the Idempotency-Key goes in a header (see idempotency.ts). */
export interface RedeemBody {
  merchant_id: string;
  third_shop_id: string;
  shop_order_id: string;
  code_list: string[];
  locale: string;
}

export interface RedeemData {
  redeem_id: string;
}

export interface CancelBody {
  merchant_id: string;
  third_shop_id: string;
  redeem_id: string;
  locale: string;
}

export interface CancelData {
  redeem_id: string;
  cancel_time: number;
}

export interface RecordsBody {
  merchant_id: string;
  /** Absent: all of the merchant's shops. */
  third_shop_id?: string;
  /** Unix seconds: redeem_time in [start_time, end_time). */
  start_time: number;
  end_time: number;
  /** `"0"` for the first page, then the previous page's cursor. */
  cursor: string;
  /** 1..100. */
  size: number;
}

export interface RecordsData {
  records: RedeemRecord[];
  cursor: string;
  has_more: boolean;
}
