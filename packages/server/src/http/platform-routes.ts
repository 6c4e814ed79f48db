/** The operator's platform API (CONTRACT.md section 8): alerts and support's request lookup. */
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import type { LoggedRequestDetail } from "../core/platform-services.js";
import { answerRowView } from "./answer-row-view.js";
import { AlertsData, LoggedRequestData } from "./answer-schemas.js";
import type { HttpContext } from "./context.js";
import { okAnswer, operatorResponses, SECURITY } from "./openapi.js";
import { operatorGuard } from "./operator.js";
import { sendResult } from "./send.js";

const LogParams = Type.Object({ log_id: Type.String({ maxLength: 64 }) });
const AlertsQuery = Type.Object({
  limit: Type.Optional(
    Type.String({ pattern: "^([1-9][0-9]{0,2}|1000)$", description: "1 to 1000; default 1000" }),
  ),
  cursor: Type.Optional(
    Type.String({
      pattern: "^[0-9]{1,15}\\.[1-9][0-9]{0,18}$",
      description: "The `cursor` of the page before",
    }),
  ),
});

function logView({ entry, redemption }: LoggedRequestDetail) {
  return {
    log_id: entry.logId,
    endpoint: entry.endpoint,
    app_id: entry.appId,
    merchant_id: entry.merchantId,
    outcome: answerRowView(entry.outcomeRow, entry.httpStatus),
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
          "Operator alerts of every server process, newest first (pages of at most 1000): suspected code enumeration",
        security: SECURITY.operator,
        querystring: AlertsQuery,
        response: operatorResponses(okAnswer(AlertsData, "One page of alerts")),
      },
    },
    async (request, reply) => {
      const q = request.query as Static<typeof AlertsQuery>;
      const page = await ctx.platform.alerts({
        limit: q.limit === undefined ? undefined : Number(q.limit),
        cursor: q.cursor,
      });
      return sendResult(request, reply, page, (p) => ({
        alerts: p.alerts.map((a) => ({
          alert_id: a.alertId,
          type: a.type,
          at: Math.floor(a.atMs / 1000),
          budget: a.budget,
          app_id: a.appId,
          merchant_id: a.merchantId,
          device_id: a.deviceId,
          misses: a.misses,
          window_seconds: a.windowSeconds,
        })),
        has_more: p.hasMore,
        cursor: p.cursor,
      }));
    },
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
