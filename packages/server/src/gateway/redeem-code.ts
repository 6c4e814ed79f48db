/**
 * redeem_code after the transport's checks: duplicates, permissions, the verifier name, the
 * Idempotency-Key, then the core under its deadline.
 */
import { createHash } from "node:crypto";
import { missCount } from "../core/code-resolution.js";
import type { RealClock } from "../core/ports.js";
import type { RedeemDeps } from "../core/redeem-codes.js";
import { redeemCodes } from "../core/redeem-codes.js";
import { describeError } from "../core/result.js";
import { findRow, isTransient } from "../domain/catalogue.js";
import { authorize, type Caller, type CallerDeps } from "./caller.js";
import type { EnumerationGuard } from "./enumeration-guard.js";
import { failureReply, genericReply, type Reply, rowReply, successReply } from "./envelope.js";
import { type Outcome, throttled } from "./get-code-item-list.js";
import type { GatewayStore } from "./ports.js";

export interface RedeemBody {
  merchant_id: string;
  third_shop_id: string;
  shop_order_id: string;
  code_list: string[];
  locale: string;
}

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

export interface RedeemOutcome extends Outcome {
  readonly replayed?: boolean;
}

export const MAX_IDEMPOTENCY_KEY = 255;

function bodyHash(body: RedeemBody): string {
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
function replay(stored: { httpStatus: number; body: string }, logId: string): Reply {
  const parsed = JSON.parse(stored.body) as { data: unknown; error: Record<string, unknown> };
  const body = stored.body.replace(/"log_id":"[0-9A-F]+"/, `"log_id":"${logId}"`);
  return { httpStatus: stored.httpStatus, body, row: parsed.error.code === "0" ? "OK" : "replay" };
}

async function redeemOnce(
  deps: RedeemEndpointDeps,
  caller: Caller,
  body: RedeemBody,
  logId: string,
): Promise<RedeemOutcome> {
  if (new Set(body.code_list).size !== body.code_list.length) {
    return { reply: rowReply("R3", logId), cause: "code_list has duplicates" };
  }
  const auth = await authorize(deps.caller, caller, "redeem", body.merchant_id, body.third_shop_id);
  if (!auth.ok) {
    if (auth.status === 401) return { reply: genericReply("access_token_invalid", logId), cause: auth.cause };
    return { reply: rowReply(auth.row, logId), cause: auth.cause };
  }
  const { merchant, grant } = auth.value;
  const shop = auth.value.shop as NonNullable<typeof auth.value.shop>;
  try {
    const app = await deps.caller.gateway.app(caller.appId, {
      merchantId: caller.merchantId,
      fault: "redeem.verifier_name",
    });
    if (!app) return { reply: rowReply("R4", logId), cause: "verifier app missing" };
  } catch (err) {
    return { reply: rowReply("R4", logId), cause: describeError(err) };
  }
  const subject = { ...caller, onBehalfOfAppId: grant.onBehalfOfAppId };
  const wait = await deps.enumeration.hold(subject, body.code_list.length);
  if (wait !== null) return throttled(logId, wait);
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
  if (result.ok) {
    return {
      reply: successReply({ redeem_id: result.value.redeemId }, logId),
      cause: null,
      redeemId: result.value.redeemId,
    };
  }
  return { reply: failureReply(result, logId), cause: result.cause };
}

export async function redeemCode(
  deps: RedeemEndpointDeps,
  caller: Caller,
  body: RedeemBody,
  idempotencyKey: string | undefined,
  logId: string,
): Promise<RedeemOutcome> {
  if (idempotencyKey === undefined) return redeemOnce(deps, caller, body, logId);

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
    return { reply: rowReply("R34", logId), cause: `idempotency key claim failed: ${describeError(err)}` };
  }
  if (existing) {
    if (existing.bodyHash !== hash)
      return { reply: rowReply("X1", logId), cause: "Idempotency-Key reused with another body" };
    if (existing.state === "in_flight" || !existing.response) {
      return { reply: rowReply("X2", logId), cause: "a request with this Idempotency-Key is in flight" };
    }
    return { reply: replay(existing.response, logId), cause: "idempotent replay", replayed: true };
  }

  let outcome: RedeemOutcome;
  try {
    outcome = await redeemOnce(deps, caller, body, logId);
  } catch (err) {
    await deps.gateway
      .releaseIdempotencyKey(caller.appId, caller.merchantId, idempotencyKey)
      .catch(() => undefined);
    throw err;
  }
  // Final: success, or a row whose handling is none. A transient row or a 401 releases the key.
  const row = findRow(outcome.reply.row);
  const final = outcome.reply.row === "OK" || (row !== undefined && !isTransient(row.handling));
  try {
    if (final) {
      await deps.gateway.finishIdempotencyKey(caller.appId, caller.merchantId, idempotencyKey, {
        httpStatus: outcome.reply.httpStatus,
        body: outcome.reply.body,
      });
    } else {
      await deps.gateway.releaseIdempotencyKey(caller.appId, caller.merchantId, idempotencyKey);
    }
  } catch {
    // If recording fails the claim stays in flight until it is stale; the answer itself stands.
  }
  return outcome;
}
