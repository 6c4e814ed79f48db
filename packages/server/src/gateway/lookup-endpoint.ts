/** get_code_item_list after the transport's checks: field formats, permissions, QR, the lookup. */
import { missCount } from "../core/item-checks.js";
import {
  type FoundCodes,
  type LookupDeps,
  type LookupResult,
  lookupByCodes,
  lookupByQr,
} from "../core/lookup.js";
import { fail, ok, type Result } from "../core/result.js";
import { authorize, type Caller, type CallerDeps } from "./caller.js";
import { toCodeItem } from "./code-item.js";
import { type EnumerationGuard, overBudget } from "./enumeration-guard.js";
import type { QrCodec } from "./qr-codec.js";
import type { QueryBodyT } from "./saas-schemas.js";

export interface LookupEndpointDeps {
  readonly caller: CallerDeps;
  readonly lookup: LookupDeps;
  readonly qr: QrCodec;
  readonly enumeration: EnumerationGuard;
}

export type LookupData = {
  readonly shop_order_id: string;
  readonly code_list: Record<string, unknown>[];
};

const DIGITS = /^\d+$/;

const wire = (found: FoundCodes): LookupData => ({
  shop_order_id: found.shopOrderId,
  code_list: found.items.map(toCodeItem),
});

export async function lookupEndpoint(
  deps: LookupEndpointDeps,
  caller: Caller,
  body: QueryBodyT,
): Promise<Result<LookupData>> {
  const { code_list: codeList, qr_info: qrInfo } = body;
  if ((codeList === undefined) === (qrInfo === undefined))
    return fail("G1", "exactly one of code_list and qr_info is required");
  if (qrInfo !== undefined && !qrInfo.startsWith("TT-")) return fail("G1", "qr_info lacks the TT- prefix");
  if (codeList?.some((c) => !DIGITS.test(c))) return fail("G3", "a typed code has a non-digit character");

  const auth = await authorize(deps.caller, caller, "query", body.merchant_id, body.third_shop_id);
  if (!auth.ok) return auth;
  const { merchant, grant } = auth.value;
  const scope = {
    merchantId: merchant.merchantId,
    timezone: merchant.timezone,
    country: merchant.country,
    thirdShopId: body.third_shop_id,
    locale: body.locale ?? "en-US",
    callerShops: grant.thirdShopIds,
  };

  let found: LookupResult;
  if (codeList !== undefined) {
    // A caller already over its budget was refused with the rate limit (step 2); the codes are
    // held as misses while the lookup runs, so that concurrent requests cannot outrun the budget.
    const codes = [...new Set(codeList)];
    const subject = { ...caller, onBehalfOfAppId: grant.onBehalfOfAppId };
    const wait = await deps.enumeration.hold(subject, codes.length);
    if (wait !== null) return overBudget(wait);
    found = await lookupByCodes(deps.lookup, scope, codes);
    await deps.enumeration.settle(subject, codes.length, missCount(codes, found.resolution));
  } else {
    const opened = deps.qr.open(qrInfo as string);
    if (!opened.ok) return opened;
    const { shop_order_id: shopOrderId, iat, exp } = opened.value;
    found = await lookupByQr(deps.lookup, scope, { shopOrderId, iat, exp });
  }
  if (found.ok) return ok(wire(found.value));
  // G19/G22 show the order's settled codes; every other row answers `{}`.
  return fail(found.row, found.cause, found.shown ? { data: wire(found.shown) } : {});
}
