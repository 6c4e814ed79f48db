/** The sandbox of CONTRACT.md section 7: world, faults, clock, QR. Registered only in sandbox mode. */
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Static } from "typebox";
import { EXTRA_FAULT_POINTS, FAULT_POINTS } from "../domain/catalogue.js";
import { genericReply } from "../gateway/envelope.js";
import { loadWorld, WorldInvalid } from "../sandbox/world-loader.js";
import { World } from "../sandbox/world-schema.js";
import type { HttpContext } from "./context.js";
import { okEnvelope, operatorGuard } from "./operator.js";
import { ClockBody, FaultBody, QrBody } from "./schemas.js";
import { send } from "./send.js";

const KNOWN_POINTS = new Set([...FAULT_POINTS, ...EXTRA_FAULT_POINTS]);

export function issueQr(ctx: HttpContext, shopOrderId: string, ttl: number) {
  const iat = ctx.system.clock.now();
  const exp = iat + ttl;
  const qr_info = ctx.qr.seal({
    v: 1,
    shop_order_id: shopOrderId,
    qr_id: randomBytes(12).toString("base64url"),
    iat,
    exp,
  });
  return { qr_info, expires_at: exp };
}

export function sandboxRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const guard = operatorGuard(ctx);
  const common = { onRequest: guard, attachValidation: true };

  app.post(
    "/sandbox/world",
    {
      ...common,
      bodyLimit: 64 * 1024 * 1024,
      schema: { tags: ["sandbox"], summary: "Load a world fixture (idempotent by id)", body: World },
    },
    async (request, reply) => {
      if (request.validationError)
        return send(
          request,
          reply,
          genericReply("invalid_params", request.id, request.validationError.message),
        );
      try {
        const summary = await loadWorld(ctx.system.world, ctx.system.secrets, ctx.system.ids, request.body, {
          webhookAllowLoopback: ctx.config.webhookAllowLoopback,
        });
        return reply.send(okEnvelope(request, { loaded: summary }));
      } catch (err) {
        if (err instanceof WorldInvalid)
          return send(request, reply, genericReply("invalid_params", request.id, err.message), err.message);
        throw err;
      }
    },
  );

  app.post(
    "/sandbox/faults",
    {
      ...common,
      schema: {
        tags: ["sandbox"],
        summary: "Arm a fault point, optionally for one merchant",
        body: FaultBody,
      },
    },
    async (request, reply) => {
      if (request.validationError)
        return send(
          request,
          reply,
          genericReply("invalid_params", request.id, request.validationError.message),
        );
      const body = request.body as Static<typeof FaultBody>;
      if (!KNOWN_POINTS.has(body.point)) {
        return send(
          request,
          reply,
          genericReply("invalid_params", request.id, `unknown fault point ${body.point.slice(0, 64)}`),
        );
      }
      ctx.system.faults.arm(body.point, body.times ?? 1, body.merchant_id ?? null);
      return reply.send(okEnvelope(request, { armed: ctx.system.faults.list() }));
    },
  );

  app.delete(
    "/sandbox/faults",
    { onRequest: guard, schema: { tags: ["sandbox"], summary: "Clear every armed fault" } },
    async (request, reply) => {
      ctx.system.faults.clear();
      return reply.send(okEnvelope(request, { armed: [] }));
    },
  );

  app.get(
    "/sandbox/faults",
    { onRequest: guard, schema: { tags: ["sandbox"], summary: "List armed faults and known points" } },
    async (request, reply) => {
      return reply.send(okEnvelope(request, { armed: ctx.system.faults.list(), points: [...KNOWN_POINTS] }));
    },
  );

  app.post(
    "/sandbox/clock",
    {
      ...common,
      schema: {
        tags: ["sandbox"],
        summary: "Freeze the business clock ({now:null} releases it)",
        body: ClockBody,
      },
    },
    async (request, reply) => {
      if (request.validationError)
        return send(
          request,
          reply,
          genericReply("invalid_params", request.id, request.validationError.message),
        );
      ctx.system.clock.freeze((request.body as Static<typeof ClockBody>).now);
      return reply.send(
        okEnvelope(request, { now: ctx.system.clock.now(), frozen: ctx.system.clock.frozen !== null }),
      );
    },
  );

  app.post(
    "/sandbox/qr",
    {
      ...common,
      schema: { tags: ["sandbox"], summary: "The customer's dynamic QR for a shop order", body: QrBody },
    },
    async (request, reply) => {
      if (request.validationError)
        return send(
          request,
          reply,
          genericReply("invalid_params", request.id, request.validationError.message),
        );
      const body = request.body as Static<typeof QrBody>;
      const order = await ctx.system.store.primary.shopOrderById(body.shop_order_id);
      if (!order) return send(request, reply, genericReply("not_found", request.id, "unknown shop order"));
      return reply.send(
        okEnvelope(request, issueQr(ctx, body.shop_order_id, body.ttl ?? ctx.config.qrTtlSeconds)),
      );
    },
  );
}
