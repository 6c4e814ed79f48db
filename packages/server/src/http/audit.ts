/**
 * The operator audit in the HTTP app: one hook records every operator write (a non-GET request
 * an operator token let through, on a /platform or /sandbox route) before its answer leaves, so
 * a client that has the answer finds the entry; and `GET /platform/audit` lists them, newest
 * first. What is kept: time, client address, method, route, the path parameters and the answer's
 * row with the log id; never a body (client secrets). A request the token refused is not an
 * operator write (the request log has it, by its log id). A failed insert is logged, the answer
 * stands.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Static } from "typebox";
import type { AuditEntry } from "../core/operator-audit.js";
import { ok } from "../core/result.js";
import { answerRowView } from "./answer-row-view.js";
import type { HttpContext } from "./context.js";
import { okAnswer, operatorResponses, SECURITY } from "./openapi.js";
import { isOperatorRequest, operatorGuard } from "./operator.js";
import { AuditData, AuditQuery } from "./operator-read-schemas.js";
import { sendResult } from "./send.js";

const READS = new Set(["GET", "HEAD", "OPTIONS"]);
const OPERATOR_ROUTE = /^\/(platform|sandbox)\//;

/** The path parameters as text (a NUL, refused as invalid_params, cannot be stored). */
function targetOf(request: FastifyRequest): Record<string, string> {
  const params = (request.params ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [k, String(v).replaceAll("\u0000", "\uFFFD")]),
  );
}

function auditView(e: AuditEntry) {
  return {
    audit_id: e.auditId,
    at: Math.floor(e.atMs / 1000),
    log_id: e.logId,
    client_address: e.clientAddress,
    method: e.method,
    route: e.route,
    target: e.target,
    outcome: answerRowView(e.outcomeRow, e.httpStatus),
  };
}

export function auditRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.addHook("onSend", async (request, reply) => {
    const route = request.routeOptions.url;
    if (READS.has(request.method) || !route || !OPERATOR_ROUTE.test(route) || !isOperatorRequest(request))
      return;
    await ctx.audit
      .record({
        logId: request.id,
        clientAddress: request.ip,
        method: request.method,
        route,
        target: targetOf(request),
        outcomeRow: request.outcome?.row ?? (reply.statusCode < 400 ? "OK" : `http_${reply.statusCode}`),
        httpStatus: reply.statusCode,
      })
      .catch((err) =>
        request.log.warn({ err: { message: (err as Error).message } }, "recording the operator audit failed"),
      );
  });

  app.get(
    "/platform/audit",
    {
      onRequest: operatorGuard(ctx),
      schema: {
        tags: ["platform"],
        operationId: "listAudit",
        summary:
          "The operator audit: every operator write (time, client address, route, target ids, answer row, log id), newest first",
        description:
          "One shared operator token, no roles: an entry says from which address and what, not which person.",
        security: SECURITY.operator,
        querystring: AuditQuery,
        response: operatorResponses(okAnswer(AuditData, "One page of the audit")),
      },
    },
    async (request, reply) => {
      const q = request.query as Static<typeof AuditQuery>;
      const page = await ctx.audit.page({
        route: q.route,
        cursor: q.cursor,
        limit: q.limit === undefined ? undefined : Number(q.limit),
      });
      return sendResult(request, reply, ok(page), (p) => ({
        audit: p.entries.map(auditView),
        has_more: p.hasMore,
        cursor: p.cursor,
      }));
    },
  );
}
