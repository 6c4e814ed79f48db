/** The TTLS SaaS surface: OAuth and the fulfillment endpoints. Each route parses, calls one endpoint, sends. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { fail } from "../core/result.js";
import { type Caller, GATEWAY_ROWS, type LimitName, type SaasEndpoint } from "../gateway/caller.js";
import { asData } from "../gateway/envelope.js";
import {
  CancelBody,
  type CancelBodyT,
  CancelResponse,
  QueryBody,
  type QueryBodyT,
  QueryResponse,
  QueryRowResponse,
  RecordsBody,
  type RecordsBodyT,
  RecordsResponse,
  RedeemBody,
  type RedeemBodyT,
  RedeemResponse,
  RowResponse,
  TokenForm,
  type TokenFormT,
} from "../gateway/saas-schemas.js";
import type { HttpContext } from "./context.js";
import { SECURITY, saasResponses, TOKEN_RESPONSES } from "./openapi.js";
import { sendFailure, sendReplay, sendResult, sendToken } from "./send.js";

export const QUERY_PATH = "/v2/localservice/saas/fulfill/get_code_item_list/";
export const REDEEM_PATH = "/v2/localservice/saas/fulfill/redeem_code/";
export const TOKEN_PATH = "/merchant/oauth/token/";
export const CANCEL_PATH = "/v2/localservice/saas/fulfill/cancel_redeem/";
export const RECORDS_PATH = "/v2/localservice/saas/fulfill/query_redeem_record/";

/** The media type of a Content-Type header, lowercased, without its parameters. */
function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/**
 * Steps 1 and 2 of the gateway, before the body is read (the token, the rate limit, the
 * enumeration budget); then the start of step 3: a body that is not `application/json` (a form,
 * text, none) is the endpoint's schema row, whatever a content-type parser would make of it
 * (CONTRACT.md section 2). A body the schema refuses is the error handler's (http/app.ts).
 */
export function saasGuard(ctx: HttpContext, endpoint: SaasEndpoint, limit: LimitName = endpoint) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const admitted = await ctx.saas.admit(request.headers.authorization, endpoint, limit);
    if (!admitted.ok) return sendFailure(request, reply, admitted);
    request.caller = admitted.value;
    const type = mediaType(request.headers["content-type"]);
    if (type !== "application/json") {
      const cause = `content type ${JSON.stringify(type.slice(0, 64))} is not application/json`;
      return sendFailure(request, reply, fail(GATEWAY_ROWS[endpoint].schema, cause));
    }
  };
}

/** The caller the guard admitted (a route behind `saasGuard` never runs without one). */
function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error("a SaaS route ran without its guard");
  return request.caller;
}

function idempotencyKey(request: FastifyRequest): string | undefined {
  const raw = request.headers["idempotency-key"];
  return Array.isArray(raw) ? raw[0] : raw;
}

export function saasRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.post<{ Body: TokenFormT }>(
    TOKEN_PATH,
    {
      schema: {
        operationId: "getAccessToken",
        summary: "Obtain or refresh an access token (form-encoded)",
        tags: ["oauth"],
        security: SECURITY.none,
        consumes: ["application/x-www-form-urlencoded"],
        body: TokenForm,
        response: TOKEN_RESPONSES,
      },
      // A body the schema refuses is a request without its fields: invalid_request (RFC 6749),
      // counted as a failed attempt like any other.
      attachValidation: true,
      config: { logName: "oauth.token" },
    },
    async (request, reply) => {
      const form = request.validationError ? {} : (request.body ?? {});
      return sendToken(request, reply, await ctx.saas.token(form, request.ip));
    },
  );

  app.post<{ Body: QueryBodyT }>(
    QUERY_PATH,
    {
      schema: {
        operationId: "getCodeItemList",
        summary: "get_code_item_list: what can be redeemed at this shop, by typed codes or a scanned QR",
        tags: ["saas"],
        security: SECURITY.saas,
        body: QueryBody,
        response: saasResponses(QueryResponse, QueryRowResponse, "query"),
      },
      config: { endpoint: "query", logName: "get_code_item_list" },
      onRequest: saasGuard(ctx, "query"),
    },
    async (request, reply) =>
      sendResult(request, reply, await ctx.saas.lookup(callerOf(request), request.body), asData),
  );

  app.post<{ Body: RedeemBodyT }>(
    REDEEM_PATH,
    {
      schema: {
        operationId: "redeemCode",
        summary: "redeem_code: redeem codes of one shop order at a shop, all or none",
        tags: ["saas"],
        security: SECURITY.saas,
        headers: {
          type: "object",
          properties: {
            "idempotency-key": {
              type: "string",
              description:
                "(ext) 1..255 chars (longer: R1); the same key and body within 24 h replay the first final answer",
            },
          },
        },
        body: RedeemBody,
        response: saasResponses(
          RedeemResponse,
          RowResponse("A catalogue row of redeem_code (R1..R34, X1, X2; x-error-catalogue lists them)"),
          "redeem",
        ),
      },
      config: { endpoint: "redeem", logName: "redeem_code" },
      onRequest: saasGuard(ctx, "redeem"),
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const answer = await ctx.saas.redeem(caller, request.body, idempotencyKey(request), request.id);
      if ("replay" in answer) return sendReplay(request, reply, answer.replay);
      return sendResult(request, reply, answer, asData, { redeemId: answer.redeemId });
    },
  );

  app.post<{ Body: CancelBodyT }>(
    CANCEL_PATH,
    {
      schema: {
        operationId: "cancelRedeem",
        summary:
          "(ext) cancel_redeem: undo a redemption within the cancel window; all its codes go back to WAIT_FULFILL",
        tags: ["saas"],
        security: SECURITY.saas,
        body: CancelBody,
        response: saasResponses(
          CancelResponse,
          RowResponse("A redeem gateway row, or a row of cancel_redeem (C1..C7)"),
          "cancel",
        ),
      },
      config: { endpoint: "redeem", logName: "cancel_redeem" },
      onRequest: saasGuard(ctx, "redeem", "cancel"),
    },
    async (request, reply) => {
      const answer = await ctx.saas.cancel(callerOf(request), request.body);
      return sendResult(request, reply, answer, asData, { redeemId: answer.redeemId });
    },
  );

  app.post<{ Body: RecordsBodyT }>(
    RECORDS_PATH,
    {
      schema: {
        operationId: "queryRedeemRecord",
        summary: "(ext) query_redeem_record: the merchant's redemptions, newest first, keyset-paged",
        tags: ["saas"],
        security: SECURITY.saas,
        body: RecordsBody,
        response: saasResponses(
          RecordsResponse,
          RowResponse("A redeem gateway row, or a row of query_redeem_record (Q1, Q2)"),
          "records",
        ),
      },
      config: { endpoint: "redeem", logName: "query_redeem_record" },
      onRequest: saasGuard(ctx, "redeem", "records"),
    },
    async (request, reply) =>
      sendResult(request, reply, await ctx.saas.records(callerOf(request), request.body), asData),
  );
}
