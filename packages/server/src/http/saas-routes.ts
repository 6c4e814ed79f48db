/** The TTLS SaaS surface: OAuth and the two fulfillment endpoints. Routes stay thin. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Static } from "typebox";
import { authenticate, type Caller } from "../gateway/caller.js";
import { cancelRedeem } from "../gateway/cancel-redeem.js";
import type { SaasEndpoint } from "../gateway/endpoint-rows.js";
import { GATEWAY_ROWS } from "../gateway/endpoint-rows.js";
import type { MissSubject } from "../gateway/enumeration-guard.js";
import { genericReply, rowReply, toJson } from "../gateway/envelope.js";
import { keyDigest } from "../gateway/failure-throttle.js";
import { getCodeItemList } from "../gateway/get-code-item-list.js";
import { exchangeToken, OAUTH_ERRORS, OAUTH_THROTTLED } from "../gateway/oauth.js";
import { queryRedeemRecord } from "../gateway/query-redeem-record.js";
import { MAX_IDEMPOTENCY_KEY, redeemCode } from "../gateway/redeem-code.js";
import type { HttpContext } from "./context.js";
import {
  CancelBody,
  CancelResponse,
  QueryBody,
  QueryResponse,
  RecordsBody,
  RecordsResponse,
  RedeemBody,
  RedeemResponse,
  TokenForm,
  TokenResponse,
} from "./schemas.js";
import { send, sendRateLimited } from "./send.js";

export const QUERY_PATH = "/v2/localservice/saas/fulfill/get_code_item_list/";
export const REDEEM_PATH = "/v2/localservice/saas/fulfill/redeem_code/";
export const TOKEN_PATH = "/merchant/oauth/token/";
export const CANCEL_PATH = "/v2/localservice/saas/fulfill/cancel_redeem/";
export const RECORDS_PATH = "/v2/localservice/saas/fulfill/query_redeem_record/";

function callerDeps(ctx: HttpContext) {
  return { gateway: ctx.gateway, reads: ctx.system.store.primary, clock: ctx.system.clock };
}

/** The media type of a Content-Type header, lowercased, without its parameters. */
function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** The budgets a caller's misses count against: its own, and for a device its app's. */
async function missSubject(ctx: HttpContext, caller: Caller): Promise<MissSubject> {
  // The grant is read again (from the read cache) at step 4, where its failure has its row.
  const grant = await ctx.gateway
    .grant(caller.appId, caller.merchantId, { merchantId: caller.merchantId, fault: null })
    .catch(() => null);
  return { ...caller, onBehalfOfAppId: grant?.onBehalfOfAppId ?? null };
}

/**
 * Steps 1 and 2 of the gateway, before the body is read: the token, then the rate limit and (on
 * get_code_item_list and redeem_code) the enumeration budget, checked together; then the
 * start of step 3: a body that is not `application/json` (a form, text, none) is the endpoint's
 * schema row, whatever a content-type parser would make of it (CONTRACT.md section 2).
 */
export function saasGuard(ctx: HttpContext, endpoint: SaasEndpoint, limitName: string = endpoint) {
  // The endpoints that name codes: get_code_item_list and redeem_code.
  const budgeted = limitName === "query" || limitName === "redeem";
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const auth = await authenticate(callerDeps(ctx), request.headers.authorization, endpoint);
    if (!auth.ok) {
      const r =
        auth.kind === "token"
          ? genericReply("access_token_invalid", request.id)
          : rowReply(auth.row, request.id);
      return send(request, reply, r, auth.cause);
    }
    request.caller = auth.caller;
    const subject = budgeted ? await missSubject(ctx, auth.caller) : null;
    const [wait, over] = await Promise.all([
      ctx.limiter.take(`${auth.caller.appId}:${auth.caller.merchantId}:${limitName}`),
      subject ? ctx.enumeration.blocked(subject) : null,
    ]);
    if (wait !== null || over !== null) {
      const cause =
        over !== null ? "too many codes that do not resolve: enumeration throttled" : "rate limit";
      return sendRateLimited(request, reply, Math.max(wait ?? 0, over ?? 0), cause);
    }
    const type = mediaType(request.headers["content-type"]);
    if (type !== "application/json") {
      const cause = `content type ${JSON.stringify(type.slice(0, 64))} is not application/json`;
      return send(request, reply, rowReply(GATEWAY_ROWS[endpoint].schema, request.id), cause);
    }
  };
}

export function saasRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.post(
    TOKEN_PATH,
    {
      schema: {
        summary: "Obtain or refresh an access token (form-encoded)",
        tags: ["oauth"],
        consumes: ["application/x-www-form-urlencoded"],
        body: TokenForm,
        response: { 200: TokenResponse },
      },
      attachValidation: true,
      config: { logName: "oauth.token" },
    },
    async (request, reply) => {
      const body = (request.validationError ? {} : (request.body ?? {})) as Static<typeof TokenForm>;
      // Failed attempts are throttled per (client_key, address) and per address.
      const throttleKeys = [`${keyDigest(body.client_key ?? "")}|${request.ip}`, request.ip];
      const wait = await ctx.throttles.token.blocked(throttleKeys);
      if (wait !== null) {
        reply.header("Retry-After", String(wait));
        const r = {
          httpStatus: OAUTH_THROTTLED.status,
          row: OAUTH_THROTTLED.error,
          body: toJson({
            error: OAUTH_THROTTLED.error,
            error_description: OAUTH_THROTTLED.description,
            log_id: request.id,
          }),
        };
        return send(request, reply, r, "failed token attempts throttled");
      }
      const outcome = await exchangeToken(
        {
          gateway: ctx.gateway,
          secrets: ctx.system.secrets,
          clock: ctx.system.clock,
          accessTtlSeconds: ctx.config.accessTtlSeconds,
          refreshTtlSeconds: ctx.config.refreshTtlSeconds,
        },
        body,
      );
      if (outcome.ok) {
        request.caller = { appId: outcome.appId, merchantId: outcome.merchantId };
        return send(request, reply, { httpStatus: 200, row: "OK", body: toJson(outcome.tokens) });
      }
      await ctx.throttles.token.fail(throttleKeys);
      const e = OAUTH_ERRORS[outcome.error];
      const body2 = toJson({ error: outcome.error, error_description: e.description, log_id: request.id });
      return send(request, reply, { httpStatus: e.status, row: outcome.error, body: body2 }, outcome.cause);
    },
  );

  app.post(
    QUERY_PATH,
    {
      schema: {
        summary: "get_code_item_list: what can be redeemed at this shop, by typed codes or a scanned QR",
        tags: ["saas"],
        security: [{ bearer: [] }],
        body: QueryBody,
        response: { 200: QueryResponse, 500: QueryResponse },
      },
      attachValidation: true,
      config: { endpoint: "query", logName: "get_code_item_list" },
      onRequest: saasGuard(ctx, "query"),
    },
    async (request, reply) => {
      const caller = request.caller;
      if (!caller) return send(request, reply, genericReply("access_token_invalid", request.id));
      if (request.validationError) {
        return send(
          request,
          reply,
          rowReply(GATEWAY_ROWS.query.schema, request.id),
          request.validationError.message,
        );
      }
      const outcome = await getCodeItemList(
        { caller: callerDeps(ctx), lookup: ctx.system.lookupDeps, qr: ctx.qr, enumeration: ctx.enumeration },
        caller,
        request.body as Static<typeof QueryBody>,
        request.id,
      );
      if (outcome.retryAfter !== undefined) reply.header("Retry-After", String(outcome.retryAfter));
      return send(request, reply, outcome.reply, outcome.cause);
    },
  );

  app.post(
    REDEEM_PATH,
    {
      schema: {
        summary: "redeem_code: redeem codes of one shop order at a shop, all or none",
        tags: ["saas"],
        security: [{ bearer: [] }],
        headers: {
          type: "object",
          properties: {
            "idempotency-key": {
              type: "string",
              description: "(ext) 1..255 chars; replays the first final answer for 24 h",
            },
          },
        },
        body: RedeemBody,
        response: { 200: RedeemResponse, 500: RedeemResponse },
      },
      attachValidation: true,
      config: { endpoint: "redeem", logName: "redeem_code" },
      onRequest: saasGuard(ctx, "redeem"),
    },
    async (request, reply) => {
      const caller = request.caller;
      if (!caller) return send(request, reply, genericReply("access_token_invalid", request.id));
      if (request.validationError) {
        return send(
          request,
          reply,
          rowReply(GATEWAY_ROWS.redeem.schema, request.id),
          request.validationError.message,
        );
      }
      const rawKey = request.headers["idempotency-key"];
      const key = Array.isArray(rawKey) ? rawKey[0] : rawKey;
      if (key !== undefined && (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY)) {
        return send(request, reply, rowReply("R1", request.id), "Idempotency-Key must be 1..255 characters");
      }
      const outcome = await redeemCode(
        {
          caller: callerDeps(ctx),
          redeem: ctx.system.redeemDeps,
          gateway: ctx.gateway,
          realClock: ctx.system.realClock,
          idempotencyTtlMs: 24 * 3600 * 1000,
          idempotencyStaleMs: 60 * 1000,
          enumeration: ctx.enumeration,
        },
        caller,
        request.body as Static<typeof RedeemBody>,
        key,
        request.id,
      );
      return send(request, reply, outcome.reply, outcome.cause, {
        redeemId: outcome.redeemId,
        replayed: outcome.replayed,
      });
    },
  );

  app.post(
    CANCEL_PATH,
    {
      schema: {
        summary:
          "(ext) cancel_redeem: undo a redemption within the cancel window; all its codes go back to WAIT_FULFILL",
        tags: ["saas"],
        security: [{ bearer: [] }],
        body: CancelBody,
        response: { 200: CancelResponse, 500: CancelResponse },
      },
      attachValidation: true,
      config: { endpoint: "redeem", logName: "cancel_redeem" },
      onRequest: saasGuard(ctx, "redeem", "cancel"),
    },
    async (request, reply) => {
      const caller = request.caller;
      if (!caller) return send(request, reply, genericReply("access_token_invalid", request.id));
      if (request.validationError) {
        return send(
          request,
          reply,
          rowReply(GATEWAY_ROWS.redeem.schema, request.id),
          request.validationError.message,
        );
      }
      const outcome = await cancelRedeem(
        { caller: callerDeps(ctx), cancel: ctx.system.cancelDeps },
        caller,
        request.body as Static<typeof CancelBody>,
        request.id,
      );
      return send(request, reply, outcome.reply, outcome.cause, { redeemId: outcome.redeemId });
    },
  );

  app.post(
    RECORDS_PATH,
    {
      schema: {
        summary: "(ext) query_redeem_record: the merchant's redemptions, newest first, keyset-paged",
        tags: ["saas"],
        security: [{ bearer: [] }],
        body: RecordsBody,
        response: { 200: RecordsResponse, 500: RecordsResponse },
      },
      attachValidation: true,
      config: { endpoint: "redeem", logName: "query_redeem_record" },
      onRequest: saasGuard(ctx, "redeem", "records"),
    },
    async (request, reply) => {
      const caller = request.caller;
      if (!caller) return send(request, reply, genericReply("access_token_invalid", request.id));
      if (request.validationError) {
        return send(
          request,
          reply,
          rowReply(GATEWAY_ROWS.redeem.schema, request.id),
          request.validationError.message,
        );
      }
      const outcome = await queryRedeemRecord(
        {
          caller: callerDeps(ctx),
          reads: ctx.system.store.primary,
          clock: ctx.system.clock,
          cancelWindowSeconds: ctx.system.cancelDeps.cancelWindowSeconds,
        },
        caller,
        request.body as Static<typeof RecordsBody>,
        request.id,
      );
      return send(request, reply, outcome.reply, outcome.cause);
    },
  );
}
