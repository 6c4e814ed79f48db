/**
 * The sandbox of CONTRACT.md section 7: world, faults, clock, QR. Registered only in sandbox
 * mode; each route calls one use case of `ctx.sandbox`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Static } from "typebox";
import { World } from "../core/platform-schema.js";
import { ok } from "../core/result.js";
import { EXTRA_FAULT_POINTS, FAULT_POINTS } from "../domain/catalogue.js";
import { genericReply } from "../gateway/envelope.js";
import { ClockData, FaultsData, QrData, WorldLoadedData } from "./answer-schemas.js";
import type { HttpContext } from "./context.js";
import { okAnswer, operatorResponses, SECURITY } from "./openapi.js";
import { operatorGuard } from "./operator.js";
import { ClockBody, FaultBody, QrBody } from "./schemas.js";
import { send, sendResult } from "./send.js";

const KNOWN_POINTS = new Set([...FAULT_POINTS, ...EXTRA_FAULT_POINTS]);

/** A body the schema (or the list of points) refused; the request log keeps no cause for it. */
const invalid = (request: FastifyRequest, reply: FastifyReply, message: string) =>
  send(request, reply, genericReply("invalid_params", request.id, message));

export function sandboxRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const sandbox = ctx.sandbox;
  if (!sandbox) return;
  const guard = operatorGuard(ctx);
  const common = { onRequest: guard, attachValidation: true };
  const faults = () => ({ armed: sandbox.faults.list() });

  app.post(
    "/sandbox/world",
    {
      ...common,
      bodyLimit: 64 * 1024 * 1024,
      schema: {
        tags: ["sandbox"],
        operationId: "loadWorld",
        summary: "Load a world fixture (idempotent by id)",
        security: SECURITY.operator,
        body: World,
        response: operatorResponses(okAnswer(WorldLoadedData, "What the world created or replaced")),
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      const loaded = await sandbox.loadWorld(request.body);
      return sendResult(request, reply, loaded, (summary) => ({ loaded: summary }));
    },
  );

  app.post(
    "/sandbox/faults",
    {
      ...common,
      schema: {
        tags: ["sandbox"],
        operationId: "armFault",
        summary: "Arm a fault point, optionally for one merchant",
        security: SECURITY.operator,
        body: FaultBody,
        response: operatorResponses(okAnswer(FaultsData, "The armed faults")),
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      const body = request.body as Static<typeof FaultBody>;
      if (!KNOWN_POINTS.has(body.point))
        return invalid(request, reply, `unknown fault point ${body.point.slice(0, 64)}`);
      sandbox.faults.arm(body.point, body.times ?? 1, body.merchant_id ?? null);
      return sendResult(request, reply, ok(null), faults);
    },
  );

  app.delete(
    "/sandbox/faults",
    {
      onRequest: guard,
      schema: {
        tags: ["sandbox"],
        operationId: "clearFaults",
        summary: "Clear every armed fault",
        security: SECURITY.operator,
        response: operatorResponses(okAnswer(FaultsData, "No fault armed")),
      },
    },
    async (request, reply) => {
      sandbox.faults.clear();
      return sendResult(request, reply, ok(null), () => ({ armed: [] }));
    },
  );

  app.get(
    "/sandbox/faults",
    {
      onRequest: guard,
      schema: {
        tags: ["sandbox"],
        operationId: "listFaults",
        summary: "List armed faults and known points",
        security: SECURITY.operator,
        response: operatorResponses(okAnswer(FaultsData, "The armed faults and every known point")),
      },
    },
    async (request, reply) =>
      sendResult(request, reply, ok(null), () => ({ ...faults(), points: [...KNOWN_POINTS] })),
  );

  app.post(
    "/sandbox/clock",
    {
      ...common,
      schema: {
        tags: ["sandbox"],
        operationId: "setClock",
        summary: "Freeze the business clock ({now:null} releases it)",
        security: SECURITY.operator,
        body: ClockBody,
        response: operatorResponses(okAnswer(ClockData, "The business clock")),
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      sandbox.clock.freeze((request.body as Static<typeof ClockBody>).now);
      return sendResult(request, reply, ok(null), () => ({
        now: sandbox.clock.now(),
        frozen: sandbox.clock.frozen !== null,
      }));
    },
  );

  app.post(
    "/sandbox/qr",
    {
      ...common,
      schema: {
        tags: ["sandbox"],
        operationId: "issueSandboxQr",
        summary: "The customer's dynamic QR for a shop order",
        security: SECURITY.operator,
        body: QrBody,
        response: operatorResponses(okAnswer(QrData, "The QR"), { notFound: "unknown shop order" }),
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      const body = request.body as Static<typeof QrBody>;
      const qr = await sandbox.issueQr(body.shop_order_id, body.ttl ?? ctx.config.qrTtlSeconds);
      return sendResult(request, reply, qr, (q) => ({ qr_info: q.qr_info, expires_at: q.expires_at }));
    },
  );
}
