/** get_code_item_list (CONTRACT.md section 4) by typed codes or a scanned QR. */
import type { CallOptions } from "./options.js";
import { policyOf } from "./options.js";
import type { Transport } from "./transport.js";
import type { CodeItem, LookupBody, LookupData } from "./wire/types.js";

export type LookupParams = CallOptions & {
  thirdShopId: string;
  /** BCP 47, e.g. `id-ID` (default `en-US`). */
  locale?: string;
} & ({ codes: string[]; qrInfo?: undefined } | { qrInfo: string; codes?: undefined });

export interface LookupResult {
  shopOrderId: string;
  codeList: CodeItem[];
  logId: string;
}

export async function lookup(transport: Transport, params: LookupParams): Promise<LookupResult> {
  const hasCodes = params.codes !== undefined;
  if (hasCodes === (params.qrInfo !== undefined))
    throw new TypeError("lookup: give exactly one of codes and qrInfo");
  const body: LookupBody = {
    merchant_id: transport.settings.merchantId,
    third_shop_id: params.thirdShopId,
    ...(hasCodes ? { code_list: params.codes as string[] } : { qr_info: params.qrInfo as string }),
    locale: params.locale ?? "en-US",
  };
  // A lookup only reads: a recheck row (none exist today) is as safe to repeat as a retry row.
  const policy = policyOf(transport.settings, params);
  const { data, logId } = await transport.withRetry<Partial<LookupData>>(
    "query",
    body,
    policy,
    ["retry", "recheck"],
    true,
  );
  return {
    shopOrderId: String(data.shop_order_id ?? ""),
    codeList: Array.isArray(data.code_list) ? data.code_list : [],
    logId,
  };
}
