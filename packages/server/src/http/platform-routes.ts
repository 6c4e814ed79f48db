/** The operator's platform API (CONTRACT.md section 8): alerts and support's request lookup. */
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import type { LoggedRequestDetail } from "../core/platform-services.js";
import { findRow } from "../domain/catalogue.js";
import { AlertsData, LoggedRequestData } from "./answer-schemas.js";
import type { HttpContext } from "./context.js";
import { okAnswer, operatorResponses, SECURITY } from "./openapi.js";
import { operatorGuard } from "./operator.js";
import { sendResult } from "./send.js";

const LogParams = Type.Object({ log_id: Type.String({ maxLength: 64 }) });

function logView({ entry, redemption }: LoggedRequestDetail) {
  const row = findRow(entry.outcomeRow);
  return {
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
  };
}

export function platformRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const guard = operatorGuard(ctx);

  app.get(
    "/platform/alerts",
    {
      onRequest: guard,
      schema: {
        tags: ["platform"],
        operationId: "listAlerts",
        summary:
          "Operator alerts of every server process, newest first (at most 1000): suspected code enumeration",
        security: SECURITY.operator,
        response: operatorResponses(okAnswer(AlertsData, "The alerts")),
      },
    },
    async (request, reply) =>
      sendResult(request, reply, await ctx.platform.alerts(1000), (alerts) => ({
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
      })),
  );

  app.get(
    "/platform/logs/:log_id",
    {
      onRequest: guard,
      schema: {
        tags: ["platform"],
        operationId: "getLoggedRequest",
        summary: "Support: what happened to a request, by its log id",
        security: SECURITY.operator,
        params: LogParams,
        response: operatorResponses(okAnswer(LoggedRequestData, "The request and its outcome"), {
          notFound: "no request with this log id (or past its retention)",
        }),
      },
    },
    async (request, reply) => {
      const { log_id } = request.params as Static<typeof LogParams>;
      return sendResult(request, reply, await ctx.platform.requestLog(log_id), logView);
    },
  );
}
