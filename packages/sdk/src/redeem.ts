/**
 * redeem_code (CONTRACT.md section 5), all codes or none, never twice: handling `retry` and a 429
 * are sent again as they were; `recheck` or no answer re-runs the lookup and acts on the wire
 * module's reconcile verdict; the Idempotency-Key follows the wire module's rule (the same key
 * while the body is unchanged, a new one when the pending codes change).
 */
import { AuthError, NotRedeemedError, RateLimitedError, TransportError, TtlsError } from "./errors.js";
import { sleep } from "./http.js";
import { lookup } from "./lookup.js";
import { type CallOptions, policyOf } from "./options.js";
import type { Transport } from "./transport.js";
import { idempotencyKeys } from "./wire/idempotency.js";
import { endOfRedeem, reconcile } from "./wire/reconcile.js";
import type { RedeemBody, RedeemData } from "./wire/types.js";

export interface RedeemParams extends CallOptions {
  thirdShopId: string;
  shopOrderId: string;
  codes: string[];
  /** BCP 47 (default `en-US`). */
  locale?: string;
  /**
   * The key for the first body (e.g. one you persisted across a restart); default: a new UUID.
   * A retry of that body reuses it; a body with fewer codes (after a recheck) gets a new key.
   */
  idempotencyKey?: string;
}

export interface RedeemResult {
  /** The redemption of the requested codes (the original one when the answer was lost and reconciled). */
  redeemId: string;
  /** code → redeem id; more than one id only when some codes were redeemed by another redemption. */
  redeemIds: Record<string, string>;
  /** True when the outcome was established (in part) by a recheck lookup rather than a redeem answer. */
  reconciled: boolean;
  /** The Idempotency-Key of the last redeem_code attempt (the first one's unless the pending codes changed). */
  idempotencyKey: string;
  /** redeem_code HTTP attempts made. */
  attempts: number;
  /** Log id of the answer that settled the outcome (a redeem or the recheck lookup). */
  logId: string | null;
}

export async function redeem(transport: Transport, params: RedeemParams): Promise<RedeemResult> {
  if (params.codes.length === 0) throw new TypeError("redeem: codes must not be empty");
  const { settings } = transport;
  const policy = policyOf(settings, params);
  const keys = idempotencyKeys({ first: params.idempotencyKey });
  const locale = params.locale ?? "en-US";
  const target = { thirdShopId: params.thirdShopId, shopOrderId: params.shopOrderId, codes: params.codes };
  const redeemIds: Record<string, string> = {};
  let pending = [...params.codes];
  let reconciled = false;
  let ownRedeemId: string | null = null;
  let attempts = 0;
  let idempotencyKey = "";

  const result = (logId: string | null): RedeemResult => {
    const ids = [...new Set(params.codes.map((c) => redeemIds[c] as string))];
    return {
      // One id for all codes (the usual case); else ours, if this call redeemed some of them.
      redeemId: ids.length === 1 ? (ids[0] as string) : (ownRedeemId ?? (ids[0] as string)),
      redeemIds,
      reconciled,
      idempotencyKey,
      attempts,
      logId,
    };
  };

  for (;;) {
    attempts += 1;
    const body: RedeemBody = {
      merchant_id: settings.merchantId,
      third_shop_id: params.thirdShopId,
      shop_order_id: params.shopOrderId,
      code_list: pending,
      locale,
    };
    idempotencyKey = keys.keyFor(body);
    let failure: TtlsError;
    try {
      const { data, logId } = await transport.send<RedeemData>("redeem", body, policy, {
        "idempotency-key": idempotencyKey,
      });
      ownRedeemId = String(data.redeem_id);
      for (const code of pending) redeemIds[code] = ownRedeemId;
      return result(logId);
    } catch (err) {
      if (!(err instanceof TtlsError)) throw err;
      failure = err;
    }
    if (failure instanceof RateLimitedError) {
      // Refused before anything ran: send again after the wait, same body, same key.
      if (attempts >= policy.maxAttempts || failure.retryAfterMs > settings.maxRetryAfterMs) throw failure;
      await sleep(failure.retryAfterMs, policy.signal);
      continue;
    }
    if (failure instanceof AuthError) throw failure;
    if (failure instanceof TransportError && failure.endpoint === "token") {
      // The token exchange failed: the redeem was never sent, so it is safe to send again.
      if (attempts >= policy.maxAttempts) throw failure;
      await transport.backoff(attempts, policy.signal);
      continue;
    }
    if (failure.handling === "retry" && !(failure instanceof TransportError)) {
      if (attempts >= policy.maxAttempts) throw failure;
      await transport.backoff(attempts, policy.signal);
      continue;
    }
    if (failure.handling !== "recheck") throw failure;

    // recheck, or no answer: the redeem may have happened. Look, then decide.
    const found = await lookup(transport, {
      thirdShopId: params.thirdShopId,
      codes: params.codes,
      locale,
      ...(policy.signal ? { signal: policy.signal } : {}),
      timeoutMs: policy.timeoutMs,
      maxAttempts: policy.maxAttempts,
    });
    const state = reconcile(target, { shop_order_id: found.shopOrderId, code_list: found.codeList });
    for (const item of state.redeemed) {
      if (redeemIds[item.code] === undefined) reconciled = true;
      redeemIds[item.code] = item.redeem_id as string;
    }
    if (state.verdict === "blocked") throw failure;
    if (state.verdict === "redeemed") {
      reconciled = true;
      return result(found.logId);
    }
    // Out of attempts: end on the last answer (this recheck), not on the older failure.
    if (attempts >= policy.maxAttempts) throw ending(failure, endOfRedeem(failure, state), redeemIds);
    pending = state.redeemable.map((item) => item.code);
    await transport.backoff(attempts, policy.signal);
  }
}

/** The error a redeem ends on when its attempts ran out (see the wire module's endOfRedeem). */
function ending(
  failure: TtlsError,
  end: ReturnType<typeof endOfRedeem<TtlsError>>,
  redeemIds: Record<string, string>,
): TtlsError {
  if (end.kind !== "redeemable") return failure;
  const codes = end.redeemable.map((item) => item.code);
  return new NotRedeemedError({
    row: null,
    code: "not_redeemed",
    message: "NotRedeemed",
    description: `not redeemed: the last lookup shows ${codes.join(", ")} still redeemable after ${failure.message}; send the redeem again`,
    logId: failure.logId,
    handling: "retry",
    httpStatus: failure.httpStatus,
    data: {},
    endpoint: "redeem",
    cause: failure,
    redeemable: codes,
    redeemIds: { ...redeemIds },
  });
}
