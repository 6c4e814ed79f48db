/**
 * The POS's own routes: exchange a pairing code for a device token (`POST /pos/api/pair`),
 * read the session the token stands for (`GET /pos/api/session`), unpair (`DELETE`).
 * Everything else the POS does goes through the SaaS endpoints with that token.
 */
import type { FastifyInstance } from "fastify";
import { type Static, Type } from "typebox";
import { normalizePairingCode } from "../core/pairing-code.js";
import { fail } from "../core/result.js";
import { keyDigest } from "../gateway/failure-throttle.js";
import { PairedData, RevokedData, SessionData } from "./answer-schemas.js";
import type { HttpContext } from "./context.js";
import { okAnswer, posResponses, SECURITY } from "./openapi.js";
import { sendRateLimited, sendResult } from "./send.js";

const PairBody = Type.Object({ code: Type.String({ minLength: 1, maxLength: 32 }) });

export function posRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.post(
    "/pos/api/pair",
    {
      // A malformed body is a wrong code: counted by the throttle like any other.
      attachValidation: true,
      config: { logName: "pos.pair" },
      schema: {
        tags: ["pos"],
        operationId: "pairDevice",
        summary: "Exchange a one-time pairing code for the device's access token",
        security: SECURITY.none,
        body: PairBody,
        response: posResponses(okAnswer(PairedData, "Paired: the device's token and shop"), {
          400: [
            ["pairing_code_invalid", "pairing_not_allowed"],
            "pairing_code_invalid: wrong, used or expired code; pairing_not_allowed: the app is no longer granted",
          ],
          429: [["rate_limit_exceeded"], "rate_limit_exceeded: too many failed pairing attempts"],
        }),
      },
    },
    async (request, reply) => {
      // Pairing codes are short: failed attempts are limited per client address and per code.
      const raw = request.validationError ? null : (request.body as Static<typeof PairBody>).code;
      const code = raw === null ? null : normalizePairingCode(raw);
      const keys = [request.ip, code === null ? null : keyDigest(code)];
      const wait = await ctx.throttles.pairing.blocked(keys);
      if (wait !== null) return sendRateLimited(request, reply, wait, "pairing attempts exhausted");
      const paired =
        code === null ? fail("pairing_code_invalid", "invalid_code") : await ctx.devices.pair(code);
      if (!paired.ok) await ctx.throttles.pairing.fail(keys);
      return sendResult(
        request,
        reply,
        paired,
        (p) => ({
          access_token: p.accessToken,
          expires_in: p.expiresAt,
          device_id: p.device.deviceId,
          device_name: p.device.name,
          merchant_id: p.device.merchantId,
          third_shop_id: p.device.thirdShopId,
          shop_name: p.shopName,
        }),
        paired.ok ? { appId: paired.value.device.appId, merchantId: paired.value.device.merchantId } : {},
      );
    },
  );

  app.delete(
    "/pos/api/session",
    {
      config: { logName: "pos.unpair" },
      schema: {
        tags: ["pos"],
        operationId: "unpairDevice",
        summary: "Unpair this device: revokes its grant and token, as the operator's revoke does",
        security: SECURITY.device,
        response: posResponses(okAnswer(RevokedData, "Unpaired"), {
          401: [["access_token_invalid"], "access_token_invalid: not a live device token"],
        }),
      },
    },
    async (request, reply) => {
      const unpaired = await ctx.devices.unpair(request.headers.authorization);
      return sendResult(
        request,
        reply,
        unpaired,
        () => ({ revoked: true }),
        unpaired.ok ? { appId: unpaired.value.appId, merchantId: unpaired.value.merchantId } : {},
      );
    },
  );

  app.get(
    "/pos/api/session",
    {
      config: { logName: "pos.session" },
      schema: {
        tags: ["pos"],
        operationId: "getDeviceSession",
        summary:
          "What the device token stands for: merchant, shop, business time, today's start, the cancel window",
        security: SECURITY.device,
        response: posResponses(okAnswer(SessionData, "The device's session"), {
          401: [["access_token_invalid"], "access_token_invalid: not a live device token"],
        }),
      },
    },
    async (request, reply) => {
      const session = await ctx.devices.session(request.headers.authorization);
      return sendResult(
        request,
        reply,
        session,
        (s) => ({
          device_id: s.device.deviceId,
          device_name: s.device.name,
          merchant_id: s.merchant.merchantId,
          merchant_name: s.merchant.name,
          third_shop_id: s.device.thirdShopId,
          shop_name: s.shop.name,
          timezone: s.merchant.timezone,
          now: s.now,
          day_start: s.dayStart,
          cancel_window_seconds: s.cancelWindowSeconds,
          can_redeem: s.canRedeem,
        }),
        session.ok ? { appId: session.value.appId, merchantId: session.value.device.merchantId } : {},
      );
    },
  );
}
