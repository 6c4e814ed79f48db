/**
 * redeem_code after the transport's checks: the Idempotency-Key, duplicates, permissions, the
 * verifier name, the enumeration budget, then the core (`redeemCodes`) under its deadline.
 */
import { createHash } from "node:crypto";
import { missCount } from "../core/item-checks.js";
import type { RealClock } from "../core/ports.js";
import { type RedeemDeps, redeemCodes } from "../core/redeem-codes.js";
import { describeError, fail, ok, type Result } from "../core/result.js";
import { findRow, isTransient } from "../domain/catalogue.js";
import { authorize, type Caller, type CallerDeps } from "./caller.js";
import { type EnumerationGuard, overBudget } from "./enumeration-guard.js";
import { type AboutRedemption, asData, type Reply, replyOf } from "./envelope.js";
import type { GatewayStore } from "./ports.js";
import type { RedeemBodyT } from "./saas-schemas.js";

export interface RedeemEndpointDeps {
  readonly caller: CallerDeps;
  readonly redeem: RedeemDeps;
  readonly gateway: GatewayStore;
  readonly realClock: RealClock;
  readonly idempotencyTtlMs: number;
  /** An in-flight claim older than this was abandoned (its process died): it is taken over. */
  readonly idempotencyStaleMs: number;
  readonly enumeration: EnumerationGuard;
}

export type RedeemData = { readonly redeem_id: string };

/** A final answer stored under the Idempotency-Key, sent again byte for byte (with this log id). */
export interface Replay {
  readonly replay: Reply;
}

export type RedeemAnswer = AboutRedemption<RedeemData> | Replay;

export const MAX_IDEMPOTENCY_KEY = 255;

function bodyHash(body: RedeemBodyT): string {
  const canonical = JSON.stringify([
    body.merchant_id,
    body.third_shop_id,
    body.shop_order_id,
    body.code_list,
    body.locale,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/** A stored reply replayed under this request's log id. */
function replay(stored: { httpStatus: number; body: string }, logId: string): Replay {
  const parsed = JSON.parse(stored.body) as { data: unknown; error: Record<string, unknown> };
  const body = stored.body.replace(/"log_id":"[0-9A-F]+"/, `"log_id":"${logId}"`);
  return {
    replay: { httpStatus: stored.httpStatus, body, row: parsed.error.code === "0" ? "OK" : "replay" },
  };
}

/** The answer itself: the checks and the core (what an Idempotency-Key stores when it is final). */
async function answerRedeem(
  deps: RedeemEndpointDeps,
  caller: Caller,
  body: RedeemBodyT,
): Promise<AboutRedemption<RedeemData>> {
  if (new Set(body.code_list).size !== body.code_list.length) return fail("R3", "code_list has duplicates");
  const auth = await authorize(deps.caller, caller, "redeem", body.merchant_id, body.third_shop_id);
  if (!auth.ok) return auth;
  const { merchant, grant } = auth.value;
  const shop = auth.value.shop as NonNullable<typeof auth.value.shop>;
  try {
    const app = await deps.caller.gateway.app(caller.appId, {
      merchantId: caller.merchantId,
      fault: "redeem.verifier_name",
    });
    if (!app) return fail("R4", "verifier app missing");
  } catch (err) {
    return fail("R4", describeError(err));
  }
  const subject = { ...caller, onBehalfOfAppId: grant.onBehalfOfAppId };
  const wait = await deps.enumeration.hold(subject, body.code_list.length);
  if (wait !== null) return overBudget(wait);
  const result = await redeemCodes(deps.redeem, {
    appId: caller.appId,
    merchantId: merchant.merchantId,
    timezone: merchant.timezone,
    country: merchant.country,
    shopId: shop.shopId,
    thirdShopId: shop.thirdShopId,
    shopOrderId: body.shop_order_id,
    codes: body.code_list,
    callerShops: grant.thirdShopIds,
  });
  await deps.enumeration.settle(subject, body.code_list.length, missCount(body.code_list, result.resolution));
  if (!result.ok) return fail(result.row, result.cause);
  return { ...ok({ redeem_id: result.value.redeemId }), redeemId: result.value.redeemId };
}

/** Final: success, or a row whose handling is none. A transient row or a 401 releases the key. */
function isFinal(result: Result<RedeemData>): boolean {
  if (result.ok) return true;
  const row = findRow(result.row);
  return row !== undefined && !isTransient(row.handling);
}

export async function redeemEndpoint(
  deps: RedeemEndpointDeps,
  caller: Caller,
  body: RedeemBodyT,
  idempotencyKey: string | undefined,
  logId: string,
): Promise<RedeemAnswer> {
  if (idempotencyKey === undefined) return answerRedeem(deps, caller, body);
  if (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)
    return fail("R1", "Idempotency-Key must be 1..255 characters");

  const nowMs = deps.realClock.nowMs();
  const hash = bodyHash(body);
  let existing: Awaited<ReturnType<GatewayStore["claimIdempotencyKey"]>>;
  try {
    existing = await deps.gateway.claimIdempotencyKey(
      caller.appId,
      caller.merchantId,
      idempotencyKey,
      hash,
      nowMs,
      nowMs - deps.idempotencyTtlMs,
      nowMs - deps.idempotencyStaleMs,
    );
  } catch (err) {
    // The key store is the redeem's own database: unreadable means the write path is down too.
    return fail("R34", `idempotency key claim failed: ${describeError(err)}`);
  }
  if (existing) {
    if (existing.bodyHash !== hash) return fail("X1", "Idempotency-Key reused with another body");
    if (existing.state === "in_flight" || !existing.response)
      return fail("X2", "a request with this Idempotency-Key is in flight");
    return replay(existing.response, logId);
  }

  let result: AboutRedemption<RedeemData>;
  try {
    result = await answerRedeem(deps, caller, body);
  } catch (err) {
    await deps.gateway
      .releaseIdempotencyKey(caller.appId, caller.merchantId, idempotencyKey)
      .catch(() => undefined);
    throw err;
  }
  try {
    if (isFinal(result)) {
      // Stored as it is sent: the envelope of this request (http/send.ts builds the same bytes).
      const { httpStatus, body: stored } = replyOf(result, logId, asData);
      await deps.gateway.finishIdempotencyKey(caller.appId, caller.merchantId, idempotencyKey, {
        httpStatus,
        body: stored,
      });
    } else {
      await deps.gateway.releaseIdempotencyKey(caller.appId, caller.merchantId, idempotencyKey);
    }
  } catch {
    // If recording fails the claim stays in flight until it is stale; the answer itself stands.
  }
  return result;
}
