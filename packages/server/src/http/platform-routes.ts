/** The operator's platform API (CONTRACT.md section 8). */
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { findRow } from "../domain/catalogue.js";
import { genericReply } from "../gateway/envelope.js";
import type { HttpContext } from "./context.js";
import { okEnvelope, operatorGuard } from "./operator.js";
import { send } from "./send.js";

export function platformRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const guard = operatorGuard(ctx);

  app.get(
    "/platform/alerts",
    {
      onRequest: guard,
      schema: {
        tags: ["platform"],
        summary:
          "Operator alerts of every server process, newest first (at most 1000): suspected code enumeration",
      },
    },
    async (request, reply) => {
      const alerts = await ctx.alerts.recent(1000);
      return reply.send(
        okEnvelope(request, {
          alerts: alerts.map((a) => ({
            type: a.type,
            at: Math.floor(a.atMs / 1000),
            budget: a.budget,
            app_id: a.appId,
            merchant_id: a.merchantId,
            device_id: a.deviceId,
            misses: a.misses,
            window_seconds: a.windowSeconds,
          })),
        }),
      );
    },
  );

  app.get(
    "/platform/logs/:log_id",
    {
      onRequest: guard,
      schema: {
        tags: ["platform"],
        summary: "Support: what happened to a request, by its log id",
        params: Type.Object({ log_id: Type.String({ maxLength: 64 }) }),
      },
    },
    async (request, reply) => {
      const { log_id } = request.params as { log_id: string };
      const entry = await ctx.gateway.requestLog(log_id);
      if (!entry)
        return send(request, reply, genericReply("not_found", request.id, "no request with this log id"));
      const row = findRow(entry.outcomeRow);
      const redemption = entry.redeemId
        ? await ctx.system.store.primary.redemption(entry.redeemId, {
            merchantId: entry.merchantId ?? "0",
            fault: null,
          })
        : null;
      return reply.send(
        okEnvelope(request, {
          log_id: entry.logId,
          endpoint: entry.endpoint,
          app_id: entry.appId,
          merchant_id: entry.merchantId,
          outcome: {
            row: entry.outcomeRow,
            code: row?.code ?? (entry.outcomeRow === "OK" ? "0" : entry.outcomeRow),
            message: row?.message ?? (entry.outcomeRow === "OK" ? "success" : entry.outcomeRow),
            http_status: entry.httpStatus,
          },
          cause: entry.cause,
          duration_ms: entry.durationMs,
          created_at: entry.createdAt,
          redemption: redemption
            ? {
                redeem_id: redemption.redeemId,
                shop_order_id: redemption.shopOrderId,
                third_shop_id: redemption.thirdShopId,
                codes: redemption.codes,
                redeem_time: redemption.redeemTime,
                status: redemption.status,
              }
            : null,
        }),
      );
    },
  );
}
