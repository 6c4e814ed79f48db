/**
 * Device routes. Operator side (operator token): create a device and its one-time pairing code
 * for one shop, list devices, revoke one. POS side: exchange a pairing code for a device token
 * (`POST /pos/api/pair`), and read the session the token stands for (`GET /pos/api/session`).
 * Everything else the POS does goes through the SaaS endpoints with that token.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type Static, Type } from "typebox";
import { authenticate } from "../gateway/caller.js";
import { genericReply, type Reply, toJson } from "../gateway/envelope.js";
import { keyDigest } from "../gateway/failure-throttle.js";
import type { HttpContext } from "../http/context.js";
import { okEnvelope, operatorGuard } from "../http/operator.js";
import { send, sendRateLimited } from "../http/send.js";
import type { DeviceRecord } from "../store/device-store.js";
import { DeviceStore } from "../store/device-store.js";
import {
  createDevice,
  deviceClientKey,
  formatPairingCode,
  localDayStart,
  normalizePairingCode,
  PAIRING_CODE_TTL_SECONDS,
  pairDevice,
  revokeDevice,
} from "./pairing.js";

const IdParam = Type.String({ pattern: "^[1-9][0-9]{0,18}$" });
const MerchantParams = Type.Object({ merchant_id: IdParam });
const DeviceParams = Type.Object({ merchant_id: IdParam, device_id: IdParam });
const CreateBody = Type.Object({
  third_shop_id: Type.String({ minLength: 1, maxLength: 64 }),
  client_key: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});
const PairBody = Type.Object({ code: Type.String({ minLength: 1, maxLength: 32 }) });

/** An error answer of the device routes: the TTLS envelope with a code of our own. */
function deviceError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  cause: string = code,
) {
  const r: Reply = {
    httpStatus: status,
    row: code,
    body: toJson({ data: {}, error: { code, message, log_id: request.id } }),
  };
  return send(request, reply, r, cause);
}

function deviceView(d: DeviceRecord) {
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

const CREATE_FAILURES: Record<string, { status: number; code: string; message: string }> = {
  unknown_merchant: { status: 404, code: "not_found", message: "Unknown merchant." },
  unknown_shop: {
    status: 400,
    code: "invalid_params",
    message: "third_shop_id is not a shop of this merchant.",
  },
  unknown_app: { status: 400, code: "invalid_params", message: "client_key is not a known app." },
  app_not_granted: {
    status: 400,
    code: "invalid_params",
    message: "The merchant has not granted the app client_key.",
  },
  shop_outside_grant: {
    status: 400,
    code: "invalid_params",
    message: "The shop lies outside the grant of the app client_key.",
  },
  no_query_scope: {
    status: 400,
    code: "invalid_params",
    message: "The grant of the app client_key lacks localservice.fulfill.query.",
  },
};

export function deviceRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const onRequest = operatorGuard(ctx);
  const sys = ctx.system;
  const devices = new DeviceStore(sys.database.db);

  const invalid = (request: FastifyRequest, reply: FastifyReply) =>
    send(
      request,
      reply,
      genericReply("invalid_params", request.id, request.validationError?.message.slice(0, 300)),
      "validation",
    );

  app.post(
    "/platform/merchants/:merchant_id/devices",
    {
      onRequest,
      attachValidation: true,
      config: { logName: "platform.device_create" },
      schema: {
        tags: ["platform"],
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
      if (request.validationError) return invalid(request, reply);
      const { merchant_id } = request.params as Static<typeof MerchantParams>;
      const outcome = await createDevice(ctx, merchant_id, request.body as Static<typeof CreateBody>);
      if (!outcome.ok) {
        const f = CREATE_FAILURES[outcome.reason] ?? {
          status: 400,
          code: "invalid_params",
          message: outcome.reason,
        };
        return deviceError(request, reply, f.status, f.code, f.message, outcome.reason);
      }
      request.outcome = {
        endpoint: "platform.device_create",
        row: "OK",
        cause: null,
        appId: null,
        merchantId: merchant_id,
        redeemId: null,
      };
      return reply.send(
        okEnvelope(request, {
          ...deviceView(outcome.device),
          pairing_code: formatPairingCode(outcome.code),
          pairing_code_expires_at: outcome.expiresAt,
          pair_path: "/pos/",
        }),
      );
    },
  );

  app.get(
    "/platform/merchants/:merchant_id/devices",
    {
      onRequest,
      attachValidation: true,
      schema: {
        tags: ["platform"],
        summary: "The merchant's POS devices, newest first (at most 500)",
        params: MerchantParams,
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply);
      const { merchant_id } = request.params as Static<typeof MerchantParams>;
      const list = await devices.devicesOfMerchant(merchant_id, 500);
      return reply.send(okEnvelope(request, { devices: list.map(deviceView) }));
    },
  );

  app.delete(
    "/platform/merchants/:merchant_id/devices/:device_id",
    {
      onRequest,
      attachValidation: true,
      config: { logName: "platform.device_revoke" },
      schema: {
        tags: ["platform"],
        summary: "Revoke a POS device: its grant and token stop working at once; an unused pairing code too",
        params: DeviceParams,
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply);
      const { merchant_id, device_id } = request.params as Static<typeof DeviceParams>;
      const device = await revokeDevice(ctx, merchant_id, device_id);
      if (!device)
        return send(
          request,
          reply,
          genericReply("not_found", request.id, "no such device"),
          "unknown device",
        );
      request.outcome = {
        endpoint: "platform.device_revoke",
        row: "OK",
        cause: null,
        appId: device.appId,
        merchantId: merchant_id,
        redeemId: null,
      };
      return reply.send(okEnvelope(request, { revoked: true, device: deviceView(device) }));
    },
  );

  app.post(
    "/pos/api/pair",
    {
      attachValidation: true,
      config: { logName: "pos.pair" },
      schema: {
        tags: ["pos"],
        summary: "Exchange a one-time pairing code for the device's access token",
        body: PairBody,
      },
    },
    async (request, reply) => {
      // Pairing codes are short: failed attempts are limited per client address and per code.
      const raw = request.validationError ? null : (request.body as Static<typeof PairBody>).code;
      const code = raw === null ? null : normalizePairingCode(raw);
      const keys = [request.ip, code === null ? null : keyDigest(code)];
      const wait = await ctx.throttles.pairing.blocked(keys);
      if (wait !== null) return sendRateLimited(request, reply, wait, "pairing attempts exhausted");
      const outcome =
        code === null ? ({ ok: false, reason: "invalid_code" } as const) : await pairDevice(ctx, code);
      if (!outcome.ok) {
        await ctx.throttles.pairing.fail(keys);
        return outcome.reason === "parent_revoked"
          ? deviceError(
              request,
              reply,
              400,
              "pairing_not_allowed",
              "The app this device was to act for is no longer granted for this shop.",
              outcome.reason,
            )
          : deviceError(
              request,
              reply,
              400,
              "pairing_code_invalid",
              "The pairing code is wrong, already used, or expired.",
              outcome.reason,
            );
      }
      const { device, accessToken, expiresAt } = outcome.value;
      request.outcome = {
        endpoint: "pos.pair",
        row: "OK",
        cause: null,
        appId: device.appId,
        merchantId: device.merchantId,
        redeemId: null,
      };
      const shop = await sys.store.primary.shopByThirdId(device.merchantId, device.thirdShopId, {
        merchantId: device.merchantId,
        fault: null,
      });
      return reply.send(
        okEnvelope(request, {
          access_token: accessToken,
          expires_in: expiresAt,
          device_id: device.deviceId,
          device_name: device.name,
          merchant_id: device.merchantId,
          third_shop_id: device.thirdShopId,
          shop_name: shop?.name ?? device.thirdShopId,
        }),
      );
    },
  );

  /** The device behind a bearer token, when it is paired and not revoked. */
  async function deviceOf(request: FastifyRequest) {
    const auth = await authenticate(
      { gateway: ctx.gateway, reads: sys.store.primary, clock: sys.clock },
      request.headers.authorization,
      "query",
    );
    if (!auth.ok) return null;
    const { appId, merchantId } = auth.value;
    const device = await devices.deviceByApp(appId);
    if (!device || device.revokedAt !== null || device.merchantId !== merchantId) return null;
    const grant = await ctx.gateway.grant(appId, merchantId, { merchantId, fault: null });
    if (!grant || grant.revoked) return null;
    return { device, grant, appId, merchantId };
  }

  app.delete(
    "/pos/api/session",
    {
      config: { logName: "pos.unpair" },
      schema: {
        tags: ["pos"],
        summary: "Unpair this device: revokes its grant and token, as the operator's revoke does",
        security: [{ bearer: [] }],
      },
    },
    async (request, reply) => {
      const found = await deviceOf(request);
      if (!found)
        return send(
          request,
          reply,
          genericReply("access_token_invalid", request.id),
          "device revoked or unknown",
        );
      await revokeDevice(ctx, found.merchantId, found.device.deviceId);
      request.outcome = {
        endpoint: "pos.unpair",
        row: "OK",
        cause: null,
        appId: found.appId,
        merchantId: found.merchantId,
        redeemId: null,
      };
      return reply.send(okEnvelope(request, { revoked: true }));
    },
  );

  app.get(
    "/pos/api/session",
    {
      config: { logName: "pos.session" },
      schema: {
        tags: ["pos"],
        summary:
          "What the device token stands for: merchant, shop, business time, today's start, the cancel window",
        security: [{ bearer: [] }],
      },
    },
    async (request, reply) => {
      const revoked = () =>
        send(request, reply, genericReply("access_token_invalid", request.id), "device revoked or unknown");
      const found = await deviceOf(request);
      if (!found) return revoked();
      const { device, grant, appId, merchantId } = found;
      const read = { merchantId, fault: null };
      const [merchant, shop] = await Promise.all([
        sys.store.primary.merchant(merchantId, read),
        sys.store.primary.shopByThirdId(merchantId, device.thirdShopId, read),
      ]);
      if (!merchant || !shop) return revoked();
      request.outcome = {
        endpoint: "pos.session",
        row: "OK",
        cause: null,
        appId,
        merchantId,
        redeemId: null,
      };
      const now = sys.clock.now();
      return reply.send(
        okEnvelope(request, {
          device_id: device.deviceId,
          device_name: device.name,
          merchant_id: merchantId,
          merchant_name: merchant.name,
          third_shop_id: device.thirdShopId,
          shop_name: shop.name,
          timezone: merchant.timezone,
          now,
          day_start: localDayStart(now, merchant.timezone),
          cancel_window_seconds: sys.cancelDeps.cancelWindowSeconds,
          can_redeem: grant.scopes.includes("localservice.fulfill.redeem"),
        }),
      );
    },
  );
}
