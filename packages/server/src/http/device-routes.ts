/**
 * The operator's device routes (operator token): create a device and its one-time pairing code
 * for one shop, list the merchant's devices, revoke one. The POS's own routes: pos-routes.ts.
 */
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import type { DeviceRecord } from "../core/device-ports.js";
import { deviceClientKey, formatPairingCode, PAIRING_CODE_TTL_SECONDS } from "../core/pairing-code.js";
import { ok } from "../core/result.js";
import { CreatedDeviceData, DevicesData, RevokedDeviceData } from "./answer-schemas.js";
import type { HttpContext } from "./context.js";
import { okAnswer, operatorResponses, SECURITY } from "./openapi.js";
import { operatorGuard } from "./operator.js";
import { PageQuery, pageOf } from "./page-query.js";
import { sendResult } from "./send.js";

const IdParam = Type.String({ pattern: "^[1-9][0-9]{0,18}$" });
const MerchantParams = Type.Object({ merchant_id: IdParam });
const DeviceParams = Type.Object({ merchant_id: IdParam, device_id: IdParam });
const CreateBody = Type.Object({
  third_shop_id: Type.String({ minLength: 1, maxLength: 64 }),
  client_key: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});

export function deviceView(d: DeviceRecord) {
  return {
    device_id: d.deviceId,
    merchant_id: d.merchantId,
    third_shop_id: d.thirdShopId,
    name: d.name,
    client_key: d.parentClientKey,
    device_client_key: d.appId === null ? null : deviceClientKey(d.deviceId),
    status: d.revokedAt !== null ? "REVOKED" : d.pairedAt !== null ? "PAIRED" : "PENDING",
    create_time: d.createdAt,
    pair_time: d.pairedAt ?? 0,
    revoke_time: d.revokedAt ?? 0,
  };
}

export function deviceRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const onRequest = operatorGuard(ctx);

  app.post(
    "/platform/merchants/:merchant_id/devices",
    {
      onRequest,
      config: { logName: "platform.device_create" },
      schema: {
        tags: ["platform"],
        operationId: "createDevice",
        security: SECURITY.operator,
        response: operatorResponses(okAnswer(CreatedDeviceData, "The device and its one-time pairing code"), {
          notFound: "unknown merchant",
        }),
        summary: `Create a POS device for one shop: a one-time pairing code, valid ${PAIRING_CODE_TTL_SECONDS / 60} minutes, shown once`,
        description:
          "The POS at /pos/ exchanges the code for a device token (POST /pos/api/pair). The device then acts as its own app " +
          "with a grant of this merchant limited to the shop. With client_key, the device acts on behalf of that app: its " +
          "grant must cover the shop, and the device gets no scope that app lacks.",
        params: MerchantParams,
        body: CreateBody,
      },
    },
    async (request, reply) => {
      const { merchant_id } = request.params as Static<typeof MerchantParams>;
      const body = request.body as Static<typeof CreateBody>;
      const created = await ctx.devices.create(merchant_id, {
        thirdShopId: body.third_shop_id,
        clientKey: body.client_key,
        name: body.name,
      });
      return sendResult(
        request,
        reply,
        created,
        (c) => ({
          ...deviceView(c.device),
          pairing_code: formatPairingCode(c.code),
          pairing_code_expires_at: c.expiresAt,
          pair_path: "/pos/",
        }),
        created.ok ? { merchantId: merchant_id } : {},
      );
    },
  );

  app.get(
    "/platform/merchants/:merchant_id/devices",
    {
      onRequest,
      schema: {
        tags: ["platform"],
        operationId: "listDevices",
        summary: "The merchant's POS devices, newest first, one page (limit 1 to 100, default 50)",
        security: SECURITY.operator,
        response: operatorResponses(okAnswer(DevicesData, "The devices")),
        params: MerchantParams,
        querystring: PageQuery,
      },
    },
    async (request, reply) => {
      const { merchant_id } = request.params as Static<typeof MerchantParams>;
      const page = await ctx.devices.list(merchant_id, pageOf(request.query as Static<typeof PageQuery>));
      return sendResult(request, reply, ok(page), (p) => ({
        devices: p.items.map(deviceView),
        has_more: p.hasMore,
        cursor: p.cursor,
      }));
    },
  );

  app.delete(
    "/platform/merchants/:merchant_id/devices/:device_id",
    {
      onRequest,
      config: { logName: "platform.device_revoke" },
      schema: {
        tags: ["platform"],
        operationId: "revokeDevice",
        summary: "Revoke a POS device: its grant and token stop working at once; an unused pairing code too",
        security: SECURITY.operator,
        response: operatorResponses(okAnswer(RevokedDeviceData, "The revoked device"), {
          notFound: "no such device of this merchant",
        }),
        params: DeviceParams,
      },
    },
    async (request, reply) => {
      const { merchant_id, device_id } = request.params as Static<typeof DeviceParams>;
      const revoked = await ctx.devices.revoke(merchant_id, device_id);
      return sendResult(
        request,
        reply,
        revoked,
        (device) => ({ revoked: true, device: deviceView(device) }),
        revoked.ok ? { appId: revoked.value.appId, merchantId: merchant_id } : {},
      );
    },
  );
}
