import type { FastifyReply, FastifyRequest } from "fastify";
import type { Reply } from "../gateway/envelope.js";

/** Sends a pre-serialized envelope and records the outcome for the request log. */
export function send(
  request: FastifyRequest,
  reply: FastifyReply,
  r: Reply,
  cause: string | null = null,
  extra: { redeemId?: string | null | undefined; replayed?: boolean | undefined } = {},
): FastifyReply {
  const previous = request.outcome;
  request.outcome = {
    endpoint: request.routeOptions.config.logName ?? request.routeOptions.url ?? request.url,
    row: r.row,
    cause,
    appId: request.caller?.appId ?? previous?.appId ?? null,
    merchantId: request.caller?.merchantId ?? previous?.merchantId ?? null,
    redeemId: extra.redeemId ?? null,
  };
  if (extra.replayed) reply.header("Idempotent-Replayed", "true");
  return reply.code(r.httpStatus).type("application/json; charset=utf-8").send(r.body);
}
