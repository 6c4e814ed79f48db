/** (ext) query_redeem_record (CONTRACT.md section 8): one page, newest first. */
import { type CallOptions, policyOf } from "./options.js";
import type { Transport } from "./transport.js";
import type { RecordsBody, RecordsData, RedeemRecord } from "./wire/types.js";

export interface RecordsParams extends CallOptions {
  /** Only this shop's redemptions (default: all of the merchant's). */
  thirdShopId?: string;
  /** Unix seconds: redeem_time in [startTime, endTime) (end exclusive). */
  startTime: number;
  endTime: number;
  /** `"0"` (default) for the first page, then the `cursor` of the previous page. */
  cursor?: string;
  /** 1..100 (default 50). */
  size?: number;
}

export interface RecordsResult {
  records: RedeemRecord[];
  cursor: string;
  hasMore: boolean;
  logId: string;
}

export async function records(transport: Transport, params: RecordsParams): Promise<RecordsResult> {
  const body: RecordsBody = {
    merchant_id: transport.settings.merchantId,
    ...(params.thirdShopId !== undefined ? { third_shop_id: params.thirdShopId } : {}),
    start_time: params.startTime,
    end_time: params.endTime,
    cursor: params.cursor ?? "0",
    size: params.size ?? 50,
  };
  const { data, logId } = await transport.withRetry<Partial<RecordsData>>(
    "records",
    body,
    policyOf(transport.settings, params),
    ["retry", "recheck"],
    true,
  );
  return {
    records: Array.isArray(data.records) ? data.records : [],
    cursor: String(data.cursor ?? "0"),
    hasMore: data.has_more === true,
    logId,
  };
}
