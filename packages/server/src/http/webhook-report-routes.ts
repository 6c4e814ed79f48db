/**
 * Operator routes of the Webhooks screen (operator token), beside event-routes.ts:
 * - `GET /platform/webhooks/deliveries?outcome=&client_key=`: counts by outcome, and one page of
 *   one outcome's deliveries, newest event first.
 * - `GET /platform/webhooks/apps`: each app's webhook target (shown without its query), its
 *   deliveries by outcome and the newest error still kept, by app id, paged.
 * - `POST /platform/webhooks/dead-letters/replay[?client_key=]`: every dead letter (of one app)
 *   back to pending with a fresh attempt budget; answers how many.
 * Times are Unix seconds of the real clock, except `create_time` (the event's own, business clock).
 */
import type { FastifyInstance } from "fastify";
import { type Static, type TSchema, Type } from "typebox";
import { ok } from "../core/result.js";
import {
  type AppDeliveries,
  DELIVERY_OUTCOMES,
  type DeliveryRow,
  type OutcomeCounts,
} from "../events/delivery-reports.js";
import type { HttpContext } from "./context.js";
import { okAnswer, operatorResponses, SECURITY } from "./openapi.js";
import { operatorGuard } from "./operator.js";
import { PageLimit } from "./page-query.js";
import { sendResult } from "./send.js";

const IdParam = Type.String({ pattern: "^[1-9][0-9]{0,18}$" });
const ClientKeyParam = Type.String({ minLength: 1, maxLength: 64 });
const Outcome = Type.String({
  enum: [...DELIVERY_OUTCOMES],
  description:
    "pending: not tried yet (or since a replay); failed: retrying after a failed attempt; delivered: a 2xx answer; dead: given up",
});
const DeliveriesQuery = Type.Object({
  outcome: Outcome,
  client_key: Type.Optional(ClientKeyParam),
  limit: Type.Optional(PageLimit),
  cursor: Type.Optional(
    Type.String({
      pattern: "^[1-9][0-9]{0,18}\\.[1-9][0-9]{0,18}$",
      description: "The `cursor` of the page before",
    }),
  ),
});
const AppsQuery = Type.Object({
  limit: Type.Optional(PageLimit),
  cursor: Type.Optional(Type.String({ ...IdParam, description: "The `cursor` of the page before" })),
});
const ReplayAllQuery = Type.Object({ client_key: Type.Optional(ClientKeyParam) });

const Nullable = (schema: TSchema) => Type.Union([schema, Type.Null()]);
const Seconds = Type.Integer({ format: "int64" });
const NullableSeconds = Nullable(Seconds);
const Id = Type.String({ pattern: "^[0-9]{1,19}$" });
const Counts = Type.Object(
  { pending: Type.Integer(), failed: Type.Integer(), delivered: Type.Integer(), dead: Type.Integer() },
  { description: "Deliveries by outcome" },
);
const Paging = {
  has_more: Type.Boolean(),
  cursor: Nullable(Type.String({ description: "The next page's cursor, null on the last page" })),
};
const DeliveriesData = Type.Object({
  counts: Counts,
  deliveries: Type.Array(
    Type.Object({
      event_id: Id,
      event: Type.String(),
      app_id: Id,
      client_key: Type.String(),
      shop_order_id: Id,
      merchant_id: Id,
      create_time: Type.Integer({ format: "int64", description: "The event's own time (business clock)" }),
      outcome: Outcome,
      attempts: Type.Integer(),
      replays: Type.Integer(),
      next_attempt_time: NullableSeconds,
      last_attempt_time: NullableSeconds,
      last_status: Nullable(Type.Integer()),
      last_error: Nullable(Type.String()),
      delivered_time: NullableSeconds,
      dead_time: NullableSeconds,
    }),
  ),
  ...Paging,
});
const AppsData = Type.Object({
  apps: Type.Array(
    Type.Object({
      app_id: Id,
      client_key: Type.String(),
      name: Type.String(),
      webhook_target: Nullable(
        Type.String({ description: "The webhook URL for display: its query string, if any, shown as ?…" }),
      ),
      counts: Counts,
      last_error: Nullable(
        Type.Object({
          event_id: Id,
          status: Nullable(Type.Integer({ description: "The receiver's HTTP status; null: no answer" })),
          error: Type.String(),
          time: NullableSeconds,
        }),
      ),
    }),
  ),
  ...Paging,
});
const ReplayedAllData = Type.Object({
  replayed: Type.Integer({ description: "How many dead deliveries were queued again" }),
});

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.floor(ms / 1000));
const countsView = (c: OutcomeCounts) => ({
  pending: c.pending,
  failed: c.failed,
  delivered: c.delivered,
  dead: c.dead,
});

function deliveryView(d: DeliveryRow) {
  return {
    event_id: d.eventId,
    event: d.eventType,
    app_id: d.appId,
    client_key: d.clientKey,
    shop_order_id: d.shopOrderId,
    merchant_id: d.merchantId,
    create_time: d.createTime,
    outcome: d.outcome,
    attempts: d.attempts,
    replays: d.replays,
    next_attempt_time: seconds(d.nextAttemptAt),
    last_attempt_time: seconds(d.lastAttemptAt),
    last_status: d.lastStatus,
    last_error: d.lastError,
    delivered_time: seconds(d.deliveredAt),
    dead_time: seconds(d.deadAt),
  };
}

function appView(a: AppDeliveries) {
  return {
    app_id: a.appId,
    client_key: a.clientKey,
    name: a.name,
    webhook_target: a.webhookUrl,
    counts: countsView(a.counts),
    last_error: a.lastError
      ? {
          event_id: a.lastError.eventId,
          status: a.lastError.status,
          error: a.lastError.error,
          time: seconds(a.lastError.atMs),
        }
      : null,
  };
}

const limitOf = (limit: string | undefined) => (limit === undefined ? undefined : Number(limit));

export function webhookReportRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const onRequest = operatorGuard(ctx);

  app.get(
    "/platform/webhooks/deliveries",
    {
      onRequest,
      schema: {
        tags: ["platform"],
        operationId: "listWebhookDeliveries",
        summary: "Webhook deliveries: counts by outcome, and one outcome's deliveries, newest event first",
        security: SECURITY.operator,
        querystring: DeliveriesQuery,
        response: operatorResponses(okAnswer(DeliveriesData, "The counts and one page of deliveries"), {
          notFound: "no app with this client_key",
        }),
      },
    },
    async (request, reply) => {
      const q = request.query as Static<typeof DeliveriesQuery>;
      const page = await ctx.webhooks.deliveries({
        outcome: q.outcome as (typeof DELIVERY_OUTCOMES)[number],
        clientKey: q.client_key,
        limit: limitOf(q.limit),
        cursor: q.cursor,
      });
      return sendResult(request, reply, page, (p) => ({
        counts: countsView(p.counts),
        deliveries: p.deliveries.map(deliveryView),
        has_more: p.hasMore,
        cursor: p.cursor,
      }));
    },
  );

  app.get(
    "/platform/webhooks/apps",
    {
      onRequest,
      schema: {
        tags: ["platform"],
        operationId: "listWebhookApps",
        summary:
          "Apps with a webhook URL or deliveries: target, deliveries by outcome, the newest error still kept",
        security: SECURITY.operator,
        querystring: AppsQuery,
        response: operatorResponses(okAnswer(AppsData, "One page of apps, by app id")),
      },
    },
    async (request, reply) => {
      const q = request.query as Static<typeof AppsQuery>;
      const page = await ctx.webhooks.apps({ limit: limitOf(q.limit), cursor: q.cursor });
      return sendResult(request, reply, ok(page), (p) => ({
        apps: p.apps.map(appView),
        has_more: p.hasMore,
        cursor: p.cursor,
      }));
    },
  );

  app.post(
    "/platform/webhooks/dead-letters/replay",
    {
      onRequest,
      config: { logName: "platform.webhook_replay_all" },
      schema: {
        tags: ["platform"],
        operationId: "replayAllDeadLetters",
        summary:
          "Replay every dead letter (of every app, or one client_key) with a fresh attempt budget; how many were queued",
        security: SECURITY.operator,
        querystring: ReplayAllQuery,
        response: operatorResponses(okAnswer(ReplayedAllData, "How many deliveries go again"), {
          notFound: "no app with this client_key",
        }),
      },
    },
    async (request, reply) => {
      const { client_key } = request.query as Static<typeof ReplayAllQuery>;
      return sendResult(request, reply, await ctx.webhooks.replayAll(client_key), (r) => ({
        replayed: r.replayed,
      }));
    },
  );
}
