/** (ext) cancel_redeem (CONTRACT.md section 8) within the cancel window. */
import { type CallOptions, policyOf } from "./options.js";
import type { Transport } from "./transport.js";
import type { CancelBody, CancelData } from "./wire/types.js";

export interface CancelParams extends CallOptions {
  thirdShopId: string;
  redeemId: string;
  locale?: string;
}

export interface CancelResult {
  redeemId: string;
  cancelTime: number;
  logId: string;
}

export async function cancel(transport: Transport, params: CancelParams): Promise<CancelResult> {
  const body: CancelBody = {
    merchant_id: transport.settings.merchantId,
    third_shop_id: params.thirdShopId,
    redeem_id: params.redeemId,
    locale: params.locale ?? "en-US",
  };
  const { data, logId } = await transport.withRetry<CancelData>(
    "cancel",
    body,
    policyOf(transport.settings, params),
    ["retry"],
    // A cancel whose answer was lost may have happened: the caller decides (see records()).
    false,
  );
  return { redeemId: String(data.redeem_id), cancelTime: Number(data.cancel_time), logId };
}
