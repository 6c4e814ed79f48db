/**
 * Operator routes of event delivery (operator token):
 * - `GET /platform/webhooks/dead-letters`: deliveries that gave up, newest event first, paged.
 * - `POST /platform/webhooks/dead-letters/:event_id/replay[?client_key=]`: back to pending with a
 *   fresh attempt budget; the body keeps the event's original `create_time`.
 * - `GET /platform/events?shop_order_id=`: support view of an order's events, their deliveries
 *   and NATS publication.
 * Times are Unix seconds of the real clock, except `create_time` (the event's own, business clock).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { genericReply } from "../gateway/envelope.js";
import type { HttpContext } from "../http/context.js";
import { okEnvelope, operatorGuard } from "../http/operator.js";
import { send } from "../http/send.js";
import type { DeadLetter, DeliveryView, EventStore, EventView } from "../store/event-store.js";

const IdParam = Type.String({ pattern: "^[1-9][0-9]{0,18}$" });
const LimitParam = Type.String({ pattern: "^[1-9][0-9]{0,2}$" });
const CursorParam = Type.String({ pattern: "^[1-9][0-9]{0,18}\\.[1-9][0-9]{0,18}$" });
const ClientKeyParam = Type.String({ minLength: 1, maxLength: 64 });

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

export function eventRoutes(
  app: FastifyInstance,
  ctx: HttpContext,
  store: EventStore,
  onReplay: () => void,
): void {
  const onRequest = operatorGuard(ctx);
  const invalid = (request: FastifyRequest, reply: FastifyReply) =>
    send(
      request,
      reply,
      genericReply("invalid_params", request.id, request.validationError?.message.slice(0, 300)),
      "validation",
    );

  app.get(
    "/platform/webhooks/dead-letters",
    {
      onRequest,
      attachValidation: true,
      schema: {
        tags: ["platform"],
        summary: "Webhook deliveries that gave up (dead letters), newest event first",
        querystring: Type.Object({
          client_key: Type.Optional(ClientKeyParam),
          shop_order_id: Type.Optional(IdParam),
          merchant_id: Type.Optional(IdParam),
          limit: Type.Optional(LimitParam),
          cursor: Type.Optional(CursorParam),
        }),
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply);
      const q = request.query as {
        client_key?: string;
        shop_order_id?: string;
        merchant_id?: string;
        limit?: string;
        cursor?: string;
      };
      const limit = Math.min(100, Number(q.limit ?? 50));
      const [eventId, appId] = q.cursor ? q.cursor.split(".") : [];
      const rows = await store.deadLetters({
        clientKey: q.client_key,
        shopOrderId: q.shop_order_id,
        merchantId: q.merchant_id,
        after: eventId && appId ? { eventId, appId } : undefined,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const hasMore = rows.length > limit;
      return reply.send(
        okEnvelope(request, {
          dead_letters: page.map(deadLetterView),
          has_more: hasMore,
          cursor: hasMore && last ? `${last.eventId}.${last.appId}` : "",
        }),
      );
    },
  );

  app.post(
    "/platform/webhooks/dead-letters/:event_id/replay",
    {
      onRequest,
      attachValidation: true,
      schema: {
        tags: ["platform"],
        summary:
          "Replay a dead-lettered event (to every app it died for, or one client_key) with a fresh attempt budget",
        params: Type.Object({ event_id: IdParam }),
        querystring: Type.Object({ client_key: Type.Optional(ClientKeyParam) }),
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply);
      const { event_id } = request.params as { event_id: string };
      const { client_key } = request.query as { client_key?: string };
      const replayed = await store.replay(event_id, client_key ?? null, ctx.system.realClock.nowMs());
      if (replayed.length === 0) {
        return send(
          request,
          reply,
          genericReply("not_found", request.id, "no dead-lettered delivery of this event"),
          "no dead letter",
        );
      }
      request.outcome = {
        endpoint: "platform.webhook_replay",
        row: "OK",
        cause: null,
        appId: null,
        merchantId: null,
        redeemId: null,
      };
      onReplay();
      return reply.send(okEnvelope(request, { event_id, replayed }));
    },
  );

  app.get(
    "/platform/events",
    {
      onRequest,
      attachValidation: true,
      schema: {
        tags: ["platform"],
        summary: "Support: the events of a shop order, their webhook deliveries and NATS publication",
        querystring: Type.Object({ shop_order_id: IdParam, limit: Type.Optional(LimitParam) }),
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply);
      const q = request.query as { shop_order_id: string; limit?: string };
      const events = await store.eventsOfShopOrder(q.shop_order_id, Math.min(200, Number(q.limit ?? 200)));
      return reply.send(
        okEnvelope(request, { shop_order_id: q.shop_order_id, events: events.map(eventView) }),
      );
    },
  );
}
