import type { FastifyReply, FastifyRequest } from "fastify";
import { bearerToken } from "../gateway/caller.js";
import { genericReply } from "../gateway/envelope.js";
import { secretsEqual } from "../security/secret-box.js";
import type { HttpContext } from "./context.js";
import { send, sendRateLimited } from "./send.js";

/** Requests the operator token let through (the audit records their writes: http/audit.ts). */
const signedIn = new WeakSet<FastifyRequest>();
export const isOperatorRequest = (request: FastifyRequest) => signedIn.has(request);

/**
 * The operator token guards the sandbox and platform routes; compared in constant time. Failed
 * attempts are throttled per client address.
 */
export function operatorGuard(ctx: HttpContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const keys = [request.ip];
    const wait = await ctx.throttles.operator.blocked(keys);
    if (wait !== null)
      return sendRateLimited(request, reply, wait, "failed operator token attempts throttled");
    const token = bearerToken(request.headers.authorization);
    if (!token || !secretsEqual(token, ctx.operatorToken)) {
      await ctx.throttles.operator.fail(keys);
      return send(
        request,
        reply,
        genericReply("access_token_invalid", request.id),
        "operator token required",
      );
    }
    signedIn.add(request);
  };
}
