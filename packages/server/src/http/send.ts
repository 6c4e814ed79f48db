import type { FastifyReply, FastifyRequest } from "fastify";
import type { Failure, Result } from "../core/result.js";
import { genericReply, oauthReply, type Reply, replyOf } from "../gateway/envelope.js";
import type { TokenResult } from "../gateway/oauth.js";
import { loggedUrl } from "./lazy-logger.js";

/** Besides the envelope: the redeem id and replay mark; the app and merchant for the log when no caller says. */
export interface SendExtra {
  readonly redeemId?: string | null | undefined;
  readonly replayed?: boolean | undefined;
  readonly appId?: string | null | undefined;
  readonly merchantId?: string | null | undefined;
}

/** Sends a pre-serialized envelope and records the outcome for the request log. */
export function send(
  request: FastifyRequest,
  reply: FastifyReply,
  r: Reply,
  cause: string | null = null,
  extra: SendExtra = {},
): FastifyReply {
  recordOutcome(request, r.row, cause, extra);
  if (extra.replayed) reply.header("Idempotent-Replayed", "true");
  return reply.code(r.httpStatus).type("application/json; charset=utf-8").send(r.body);
}

/** The request log's outcome of this request (the one place it is set). */
function recordOutcome(request: FastifyRequest, row: string, cause: string | null, extra: SendExtra): void {
  const previous = request.outcome;
  request.outcome = {
    // Without a route, the path the caller asked for, never its query string (secrets).
    endpoint: request.routeOptions.config.logName ?? request.routeOptions.url ?? loggedUrl(request.url),
    row,
    cause,
    appId: request.caller?.appId ?? extra.appId ?? previous?.appId ?? null,
    merchantId: request.caller?.merchantId ?? extra.merchantId ?? previous?.merchantId ?? null,
    redeemId: extra.redeemId ?? null,
  };
}

/** 429 `rate_limit_exceeded` with its Retry-After (a rate limit, budget or throttle said wait). */
export function sendRateLimited(
  request: FastifyRequest,
  reply: FastifyReply,
  retryAfterSeconds: number,
  cause: string,
): FastifyReply {
  reply.header("Retry-After", String(retryAfterSeconds));
  return send(request, reply, genericReply("rate_limit_exceeded", request.id), cause);
}

/**
 * Sends a use case's outcome: the one place a `Result` becomes the envelope, its Retry-After
 * and the request log's outcome (row and cause).
 */
export function sendResult<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  result: Result<T>,
  data: (value: T) => Record<string, unknown>,
  extra: SendExtra = {},
): FastifyReply {
  retryAfter(reply, result);
  return send(request, reply, replyOf(result, request.id, data), result.ok ? null : result.cause, extra);
}

/** Sends a failure (a check that refused before any use case ran). */
export function sendFailure(request: FastifyRequest, reply: FastifyReply, failure: Failure): FastifyReply {
  return sendResult(request, reply, failure, () => ({}));
}

/** A final answer stored under an Idempotency-Key, sent again (marked Idempotent-Replayed). */
export function sendReplay(request: FastifyRequest, reply: FastifyReply, stored: Reply): FastifyReply {
  return send(request, reply, stored, "idempotent replay", { replayed: true });
}

/** The token endpoint's outcome in RFC 6749's shape; on success the log names the token's caller. */
export function sendToken(request: FastifyRequest, reply: FastifyReply, result: TokenResult): FastifyReply {
  if (result.ok) request.caller = result.value.caller;
  retryAfter(reply, result);
  return send(request, reply, oauthReply(result, request.id), result.ok ? null : result.cause);
}

function retryAfter(reply: FastifyReply, result: Result<unknown, string>): void {
  if (!result.ok && result.retryAfterSeconds !== undefined)
    reply.header("Retry-After", String(result.retryAfterSeconds));
}

/** Sends a drawn image (the customer's QR as PNG or SVG): outcome OK for the request log. */
export function sendImage(
  request: FastifyRequest,
  reply: FastifyReply,
  contentType: string,
  image: Buffer | string,
  extra: SendExtra = {},
): FastifyReply {
  recordOutcome(request, "OK", null, extra);
  return reply.type(contentType).send(image);
}
