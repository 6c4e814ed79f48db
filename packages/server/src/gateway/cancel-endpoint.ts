/** (ext) cancel_redeem/: the gateway checks of redeem, then the core's cancel (its C rows). */
import { type CancelDeps, cancelRedemption } from "../core/cancel-redemption.js";
import { isDecimalId } from "../core/redeem-codes.js";
import { fail, ok } from "../core/result.js";
import { authorize, type Caller, type CallerDeps } from "./caller.js";
import type { AboutRedemption } from "./envelope.js";
import type { CancelBodyT } from "./saas-schemas.js";

export interface CancelEndpointDeps {
  readonly caller: CallerDeps;
  readonly cancel: CancelDeps;
}

export type CancelData = { readonly redeem_id: string; readonly cancel_time: number };

export async function cancelEndpoint(
  deps: CancelEndpointDeps,
  caller: Caller,
  body: CancelBodyT,
): Promise<AboutRedemption<CancelData>> {
  const auth = await authorize(deps.caller, caller, "redeem", body.merchant_id, body.third_shop_id);
  if (!auth.ok) return auth;
  if (!isDecimalId(body.redeem_id)) return fail("C6", "redeem_id is not a decimal id");
  const result = await cancelRedemption(deps.cancel, {
    merchantId: caller.merchantId,
    appId: caller.appId,
    thirdShopId: body.third_shop_id,
    redeemId: body.redeem_id,
  });
  if (!result.ok) return { ...result, redeemId: body.redeem_id };
  const { redeemId, cancelTime } = result.value;
  return { ...ok({ redeem_id: redeemId, cancel_time: cancelTime }), redeemId };
}
