/**
 * Operator routes of event delivery (operator token):
 * - `GET /platform/webhooks/dead-letters`: deliveries that gave up, newest event first, paged.
 * - `POST /platform/webhooks/dead-letters/:event_id/replay[?client_key=]`: back to pending with a
 *   fresh attempt budget; the body keeps the event's original `create_time`.
 * - `GET /platform/events?shop_order_id=`: support view of an order's events, their deliveries
 *   and NATS publication.
 * Times are Unix seconds of the real clock, except `create_time` (the event's own, business clock).
 */
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import { ok } from "../core/result.js";
import type { DeadLetter, DeliveryView, EventView } from "../events/ports.js";
import { DeadLettersData, EventsData, ReplayedData } from "./answer-schemas.js";
import type { HttpContext } from "./context.js";
import { okAnswer, operatorResponses, SECURITY } from "./openapi.js";
import { operatorGuard } from "./operator.js";
import { PageLimit } from "./page-query.js";
import { sendResult } from "./send.js";

const IdParam = Type.String({ pattern: "^[1-9][0-9]{0,18}$" });
const LimitParam = Type.String({ pattern: "^[1-9][0-9]{0,2}$" });
const CursorParam = Type.String({ pattern: "^[1-9][0-9]{0,18}\\.[1-9][0-9]{0,18}$" });
const ClientKeyParam = Type.String({ minLength: 1, maxLength: 64 });
const DeadLetterQuery = Type.Object({
  client_key: Type.Optional(ClientKeyParam),
  shop_order_id: Type.Optional(IdParam),
  merchant_id: Type.Optional(IdParam),
  limit: Type.Optional(PageLimit),
  cursor: Type.Optional(CursorParam),
});
const ReplayParams = Type.Object({ event_id: IdParam });
const ReplayQuery = Type.Object({ client_key: Type.Optional(ClientKeyParam) });
const EventsQuery = Type.Object({ shop_order_id: IdParam, limit: Type.Optional(LimitParam) });

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.floor(ms / 1000));

function deadLetterView(d: DeadLetter) {
  return {
    event_id: d.eventId,
    event: d.eventType,
    client_key: d.clientKey,
    shop_order_id: d.shopOrderId,
    merchant_id: d.merchantId,
    create_time: d.createTime,
    attempts: d.attempts,
    replays: d.replays,
    first_attempt_time: seconds(d.firstAttemptAt),
    last_attempt_time: seconds(d.lastAttemptAt),
    last_status: d.lastStatus,
    last_error: d.lastError,
    dead_time: seconds(d.deadAt),
  };
}

function deliveryView(d: DeliveryView) {
  return {
    client_key: d.clientKey,
    state: d.state.toUpperCase(),
    attempts: d.attempts,
    replays: d.replays,
    next_attempt_time: d.state === "pending" ? seconds(d.nextAttemptAt) : null,
    first_attempt_time: seconds(d.firstAttemptAt),
    last_attempt_time: seconds(d.lastAttemptAt),
    last_status: d.lastStatus,
    last_error: d.lastError,
    delivered_time: seconds(d.deliveredAt),
    dead_time: seconds(d.deadAt),
  };
}

function eventView(e: EventView) {
  return {
    event_id: e.eventId,
    event: e.eventType,
    create_time: e.createTime,
    shop_order_id: e.shopOrderId,
    merchant_id: e.merchantId,
    user_id: e.userId,
    content: e.content,
    fanned_out: e.fannedOutAt !== null,
    fan_out_time: seconds(e.fannedOutAt),
    nats: e.publication
      ? {
          published: e.publication.publishedAt !== null,
          publish_time: seconds(e.publication.publishedAt),
          stream_seq: e.publication.streamSeq,
          attempts: e.publication.attempts,
          last_error: e.publication.lastError,
        }
      : null,
    deliveries: e.deliveries.map(deliveryView),
  };
}

export function eventRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const onRequest = operatorGuard(ctx);

  app.get(
    "/platform/webhooks/dead-letters",
    {
      onRequest,
      schema: {
        tags: ["platform"],
        operationId: "listDeadLetters",
        summary: "Webhook deliveries that gave up (dead letters), newest event first",
        security: SECURITY.operator,
        response: operatorResponses(okAnswer(DeadLettersData, "One page of dead letters")),
        querystring: DeadLetterQuery,
      },
    },
    async (request, reply) => {
      const q = request.query as Static<typeof DeadLetterQuery>;
      const page = await ctx.events.deadLetters({
        clientKey: q.client_key,
        shopOrderId: q.shop_order_id,
        merchantId: q.merchant_id,
        limit: q.limit === undefined ? undefined : Number(q.limit),
        cursor: q.cursor,
      });
      return sendResult(request, reply, ok(page), (p) => ({
        dead_letters: p.deadLetters.map(deadLetterView),
        has_more: p.hasMore,
        cursor: p.cursor,
      }));
    },
  );

  app.post(
    "/platform/webhooks/dead-letters/:event_id/replay",
    {
      onRequest,
      config: { logName: "platform.webhook_replay" },
      schema: {
        tags: ["platform"],
        operationId: "replayDeadLetter",
        security: SECURITY.operator,
        response: operatorResponses(okAnswer(ReplayedData, "The apps the event goes to again"), {
          notFound: "no dead letter of this event (for this client_key)",
        }),
        summary:
          "Replay a dead-lettered event (to every app it died for, or one client_key) with a fresh attempt budget",
        params: ReplayParams,
        querystring: ReplayQuery,
      },
    },
    async (request, reply) => {
      const { event_id } = request.params as Static<typeof ReplayParams>;
      const { client_key } = request.query as Static<typeof ReplayQuery>;
      const replayed = await ctx.events.replay(event_id, client_key ?? null);
      return sendResult(request, reply, replayed, (keys) => ({ event_id, replayed: keys }));
    },
  );

  app.get(
    "/platform/events",
    {
      onRequest,
      schema: {
        tags: ["platform"],
        operationId: "listOrderEvents",
        summary: "Support: the events of a shop order, their webhook deliveries and NATS publication",
        security: SECURITY.operator,
        response: operatorResponses(okAnswer(EventsData, "The order's events, oldest first")),
        querystring: EventsQuery,
      },
    },
    async (request, reply) => {
      const q = request.query as Static<typeof EventsQuery>;
      const limit = q.limit === undefined ? undefined : Number(q.limit);
      const events = await ctx.events.eventsOfShopOrder(q.shop_order_id, limit);
      return sendResult(request, reply, ok(events), (list) => ({
        shop_order_id: q.shop_order_id,
        events: list.map(eventView),
      }));
    },
  );
}
