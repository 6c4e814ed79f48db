/** (ext) cancel_redeem/: the gateway checks of redeem, then the core's cancel, mapped to C rows. */
import { type CancelDeps, type CancelFailure, cancelRedemption } from "../core/cancel-redemption.js";
import { isDecimalId } from "../core/redeem-codes.js";
import { describeError } from "../core/result.js";
import type { RowId } from "../domain/catalogue.js";
import { authorize, type Caller, type CallerDeps } from "./caller.js";
import { genericReply, rowReply, successReply } from "./envelope.js";
import type { Outcome } from "./get-code-item-list.js";

export interface CancelBody {
  merchant_id: string;
  third_shop_id: string;
  redeem_id: string;
  locale?: string;
}

const ROW_OF: Record<CancelFailure, RowId> = {
  not_found: "C1",
  window_closed: "C2",
  already_cancelled: "C3",
  moved_on: "C4",
  conflict: "C5",
};

export async function cancelRedeem(
  deps: { caller: CallerDeps; cancel: CancelDeps },
  caller: Caller,
  body: CancelBody,
  logId: string,
): Promise<Outcome> {
  const auth = await authorize(deps.caller, caller, "redeem", body.merchant_id, body.third_shop_id);
  if (!auth.ok) {
    if (auth.status === 401) return { reply: genericReply("access_token_invalid", logId), cause: auth.cause };
    return { reply: rowReply(auth.row, logId), cause: auth.cause };
  }
  if (!isDecimalId(body.redeem_id))
    return { reply: rowReply("C6", logId), cause: "redeem_id is not a decimal id" };
  try {
    const result = await cancelRedemption(deps.cancel, {
      merchantId: caller.merchantId,
      appId: caller.appId,
      thirdShopId: body.third_shop_id,
      redeemId: body.redeem_id,
    });
    if (!result.ok)
      return {
        reply: rowReply(ROW_OF[result.reason], logId),
        cause: result.reason,
        redeemId: body.redeem_id,
      };
    return {
      reply: successReply({ redeem_id: result.redeemId, cancel_time: result.cancelTime }, logId),
      cause: null,
      redeemId: result.redeemId,
    };
  } catch (err) {
    return { reply: rowReply("C7", logId), cause: describeError(err), redeemId: body.redeem_id };
  }
}
