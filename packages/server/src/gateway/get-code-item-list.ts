/** get_code_item_list after the transport's checks: field formats, permissions, QR, the lookup. */
import { missCount } from "../core/code-resolution.js";
import { type LookupDeps, type LookupOutcome, lookupByCodes, lookupByQr } from "../core/lookup.js";
import { type Authorized, authorize, type Caller, type CallerDeps } from "./caller.js";
import { toCodeItem } from "./code-item.js";
import type { EnumerationGuard } from "./enumeration-guard.js";
import { genericReply, type Reply, rowReply, successReply } from "./envelope.js";
import type { QrCodec } from "./qr-codec.js";

export interface QueryBody {
  merchant_id: string;
  third_shop_id: string;
  code_list?: string[];
  qr_info?: string;
  locale?: string;
}

export interface QueryDeps {
  readonly caller: CallerDeps;
  readonly lookup: LookupDeps;
  readonly qr: QrCodec;
  readonly enumeration: EnumerationGuard;
}

export interface Outcome {
  readonly reply: Reply;
  /** Seconds for a Retry-After header (a throttled answer). */
  readonly retryAfter?: number;
  readonly cause: string | null;
  readonly redeemId?: string | null;
}

const DIGITS = /^\d+$/;

/** A caller over its enumeration budget (CONTRACT.md section 2): 429 with Retry-After. */
export function throttled(logId: string, retryAfter: number): Outcome {
  return {
    reply: genericReply("rate_limit_exceeded", logId),
    cause: "too many codes that do not resolve: enumeration throttled",
    retryAfter,
  };
}

export async function getCodeItemList(
  deps: QueryDeps,
  caller: Caller,
  body: QueryBody,
  logId: string,
): Promise<Outcome> {
  const hasCodes = body.code_list !== undefined;
  const hasQr = body.qr_info !== undefined;
  if (hasCodes === hasQr)
    return { reply: rowReply("G1", logId), cause: "exactly one of code_list and qr_info is required" };
  if (hasQr && !(body.qr_info as string).startsWith("TT-"))
    return { reply: rowReply("G1", logId), cause: "qr_info lacks the TT- prefix" };
  if (hasCodes && (body.code_list as string[]).some((c) => !DIGITS.test(c))) {
    return { reply: rowReply("G3", logId), cause: "a typed code has a non-digit character" };
  }

  const auth = await authorize(deps.caller, caller, "query", body.merchant_id, body.third_shop_id);
  if (!auth.ok) {
    if (auth.status === 401) return { reply: genericReply("access_token_invalid", logId), cause: auth.cause };
    return { reply: rowReply(auth.row, logId), cause: auth.cause };
  }
  const a: Authorized = auth.value;
  const scope = {
    merchantId: a.merchant.merchantId,
    timezone: a.merchant.timezone,
    country: a.merchant.country,
    thirdShopId: body.third_shop_id,
    locale: body.locale ?? "en-US",
    callerShops: a.grant.thirdShopIds,
  };

  let outcome: LookupOutcome;
  if (hasCodes) {
    // A caller already over its budget was refused with the rate limit (step 2); the codes are
    // held as misses while the lookup runs, so that concurrent requests cannot outrun the budget.
    const codes = [...new Set(body.code_list as string[])];
    const subject = { ...caller, onBehalfOfAppId: a.grant.onBehalfOfAppId };
    const wait = await deps.enumeration.hold(subject, codes.length);
    if (wait !== null) return throttled(logId, wait);
    outcome = await lookupByCodes(deps.lookup, scope, codes);
    await deps.enumeration.settle(subject, codes.length, missCount(codes, outcome.resolution));
  } else {
    const opened = deps.qr.open(body.qr_info as string);
    if (!opened.ok) return { reply: rowReply(opened.row, logId), cause: opened.cause };
    const p = opened.payload;
    outcome = await lookupByQr(deps.lookup, scope, { shopOrderId: p.shop_order_id, iat: p.iat, exp: p.exp });
  }
  if (outcome.ok) {
    return {
      reply: successReply(
        { shop_order_id: outcome.shopOrderId, code_list: outcome.items.map(toCodeItem) },
        logId,
      ),
      cause: null,
    };
  }
  const data = outcome.items
    ? { shop_order_id: outcome.shopOrderId, code_list: outcome.items.map(toCodeItem) }
    : {};
  return { reply: rowReply(outcome.row, logId, data), cause: outcome.cause };
}
