/**
 * The operator's platform API (CONTRACT.md section 8): apps, merchants, shops, grants,
 * holidays, products (create or replace, validated like the sandbox world), shop orders, the
 * customer's QR, after-sales. Guarded by the operator token.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import QRCode from "qrcode";
import { type Static, Type } from "typebox";
import { approveRefund, closeRefund, requestRefund, sweepExpiredRefunds } from "../core/after-sale.js";
import { issueShopOrder } from "../core/issue-order.js";
import { itemRedemptionStatus } from "../domain/item-state.js";
import { REDEMPTION_STATUS } from "../domain/status.js";
import { genericReply } from "../gateway/envelope.js";
import { loadWorld, WorldInvalid } from "../sandbox/world-loader.js";
import { WorldGrant, WorldHoliday, WorldMerchant, WorldProduct, WorldShop } from "../sandbox/world-schema.js";
import type { HttpContext } from "./context.js";
import { okEnvelope, operatorGuard } from "./operator.js";
import { issueQr } from "./sandbox-routes.js";
import { INT64_ID } from "./schemas.js";
import { send } from "./send.js";

const IdParam = Type.String({ pattern: INT64_ID });

const AppBody = Type.Object({
  client_key: Type.String({ minLength: 1, maxLength: 64 }),
  // It signs webhooks and opens tokens: 32 characters at least (MIN_SECRET_LENGTH).
  client_secret: Type.Optional(Type.String({ minLength: 32, maxLength: 256 })),
  name: Type.String({ minLength: 1, maxLength: 128 }),
  webhook_url: Type.Optional(Type.Union([Type.String({ maxLength: 2048 }), Type.Null()])),
});

const OrderBody = Type.Object({
  merchant_id: IdParam,
  product_id: IdParam,
  user_id: IdParam,
  quantity: Type.Integer({ minimum: 1, maximum: 100 }),
});

const AfterSaleBody = Type.Object({
  merchant_id: IdParam,
  shop_order_id: IdParam,
  item_order_ids: Type.Array(IdParam, { minItems: 1, maxItems: 100 }),
});

const MerchantOnly = Type.Object({ merchant_id: IdParam });

function invalid(request: FastifyRequest, reply: FastifyReply, message: string) {
  return send(request, reply, genericReply("invalid_params", request.id, message.slice(0, 300)), message);
}

export function platformAdminRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const onRequest = operatorGuard(ctx);
  const common = { onRequest, attachValidation: true };
  const sys = ctx.system;

  /** Create or replace through the world loader: one validation, one writer. */
  async function upsert(
    request: FastifyRequest,
    reply: FastifyReply,
    world: Parameters<typeof loadWorld>[3],
    data: unknown,
  ) {
    if (request.validationError) return invalid(request, reply, request.validationError.message);
    try {
      await loadWorld(sys.world, sys.secrets, sys.ids, world, {
        webhookAllowLoopback: ctx.config.webhookAllowLoopback,
      });
    } catch (err) {
      if (err instanceof WorldInvalid) return invalid(request, reply, err.message);
      throw err;
    }
    return reply.send(okEnvelope(request, data));
  }

  app.post(
    "/platform/apps",
    {
      ...common,
      schema: {
        tags: ["platform"],
        summary: "Create or replace a SaaS app; the secret is shown once",
        body: AppBody,
      },
    },
    async (request, reply) => {
      const body = request.body as Static<typeof AppBody>;
      const secret = body.client_secret ?? `cs_${randomBytes(24).toString("base64url")}`;
      return upsert(
        request,
        reply,
        { apps: [{ ...body, client_secret: secret }] },
        { client_key: body.client_key, client_secret: secret, name: body.name },
      );
    },
  );

  app.post(
    "/platform/merchants",
    {
      ...common,
      schema: {
        tags: ["platform"],
        summary: "Create or replace a merchant (with shops and grants)",
        body: WorldMerchant,
      },
    },
    async (request, reply) => {
      const body = request.body as Static<typeof WorldMerchant>;
      return upsert(request, reply, { merchants: [body] }, { merchant_id: body?.merchant_id });
    },
  );

  app.post(
    "/platform/merchants/:merchant_id/shops",
    {
      ...common,
      schema: {
        tags: ["platform"],
        summary: "Create or replace a shop",
        params: MerchantOnly,
        body: WorldShop,
      },
    },
    async (request, reply) => {
      const { merchant_id } = request.params as Static<typeof MerchantOnly>;
      const merchant = await sys.store.primary.merchant(merchant_id, {
        merchantId: merchant_id,
        fault: null,
      });
      if (!merchant) return send(request, reply, genericReply("not_found", request.id, "unknown merchant"));
      const body = request.body as Static<typeof WorldShop>;
      return upsert(
        request,
        reply,
        {
          merchants: [
            {
              merchant_id,
              name: merchant.name,
              country: merchant.country,
              timezone: merchant.timezone,
              shops: [body],
            },
          ],
        },
        body,
      );
    },
  );

  app.put(
    "/platform/merchants/:merchant_id/grants/:client_key",
    {
      ...common,
      schema: {
        tags: ["platform"],
        summary: "Grant (or change the grant of) an app: scopes and optional shop list",
        params: Type.Object({ merchant_id: IdParam, client_key: Type.String({ maxLength: 64 }) }),
        body: Type.Omit(WorldGrant, ["client_key"]),
      },
    },
    async (request, reply) => {
      const { merchant_id, client_key } = request.params as { merchant_id: string; client_key: string };
      const merchant = await sys.store.primary.merchant(merchant_id, {
        merchantId: merchant_id,
        fault: null,
      });
      if (!merchant) return send(request, reply, genericReply("not_found", request.id, "unknown merchant"));
      const body = request.body as Omit<Static<typeof WorldGrant>, "client_key">;
      const grant = { client_key, scopes: body?.scopes ?? [], third_shop_ids: body?.third_shop_ids ?? [] };
      return upsert(
        request,
        reply,
        {
          merchants: [
            {
              merchant_id,
              name: merchant.name,
              country: merchant.country,
              timezone: merchant.timezone,
              grants: [grant],
            },
          ],
        },
        grant,
      );
    },
  );

  app.delete(
    "/platform/merchants/:merchant_id/grants/:client_key",
    {
      onRequest,
      schema: {
        tags: ["platform"],
        summary: "Revoke a grant: its tokens stop working at once",
        params: Type.Object({ merchant_id: IdParam, client_key: Type.String({ maxLength: 64 }) }),
      },
    },
    async (request, reply) => {
      const { merchant_id, client_key } = request.params as { merchant_id: string; client_key: string };
      const revoked = await sys.world.inTransaction((w) =>
        w.revokeGrant(client_key, merchant_id, sys.clock.now()),
      );
      if (!revoked) return send(request, reply, genericReply("not_found", request.id, "no such grant"));
      return reply.send(okEnvelope(request, { revoked: true }));
    },
  );

  app.post(
    "/platform/holidays",
    {
      ...common,
      schema: { tags: ["platform"], summary: "Create or replace a holiday of a country", body: WorldHoliday },
    },
    async (request, reply) =>
      upsert(request, reply, { holidays: [request.body as Static<typeof WorldHoliday>] }, request.body),
  );

  app.post(
    "/platform/products",
    { ...common, schema: { tags: ["platform"], summary: "Create or replace a product", body: WorldProduct } },
    async (request, reply) => {
      const body = request.body as Static<typeof WorldProduct>;
      return upsert(request, reply, { products: [body] }, { product_id: body?.product_id });
    },
  );

  app.post(
    "/platform/orders",
    {
      ...common,
      schema: { tags: ["platform"], summary: "Place a paid shop order: one code per item", body: OrderBody },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      const body = request.body as Static<typeof OrderBody>;
      const result = await issueShopOrder(sys.issueDeps, {
        merchantId: body.merchant_id,
        productId: body.product_id,
        userId: body.user_id,
        quantity: body.quantity,
      });
      if (!result.ok) {
        const reason = "reason" in result ? result.reason : result.row;
        return send(
          request,
          reply,
          genericReply(reason === "product_not_found" ? "not_found" : "invalid_params", request.id, reason),
          reason,
        );
      }
      return reply.send(
        okEnvelope(request, {
          shop_order_id: result.value.shopOrderId,
          items: result.value.items.map((i) => ({ item_order_id: i.itemOrderId, code: i.code })),
        }),
      );
    },
  );

  app.get(
    "/platform/orders/:shop_order_id",
    {
      onRequest,
      schema: {
        tags: ["platform"],
        summary: "A shop order with its items' three records",
        params: Type.Object({ shop_order_id: IdParam }),
      },
    },
    async (request, reply) => {
      const { shop_order_id } = request.params as { shop_order_id: string };
      const order = await sys.store.primary.shopOrderById(shop_order_id);
      if (!order) return send(request, reply, genericReply("not_found", request.id, "unknown shop order"));
      const ctx0 = { merchantId: order.merchantId, fault: null };
      const vouchers = await sys.store.primary.vouchersByShopOrder(order.merchantId, shop_order_id, ctx0);
      const ids = vouchers.map((v) => v.itemOrderId);
      const execs = new Map(
        (await sys.store.primary.executionOrders(ids, ctx0)).map((e) => [e.itemOrderId, e]),
      );
      const subs = new Map((await sys.store.primary.subOrders(ids, ctx0)).map((s) => [s.itemOrderId, s]));
      return reply.send(
        okEnvelope(request, {
          shop_order_id,
          merchant_id: order.merchantId,
          product_id: order.productId,
          user_id: order.userId,
          create_time: order.createTime,
          items: vouchers.map((v) => {
            const state = {
              voucher: v.status,
              execution: execs.get(v.itemOrderId)?.status ?? v.status,
              sub: subs.get(v.itemOrderId)?.status ?? v.status,
            };
            return {
              item_order_id: v.itemOrderId,
              code: v.code,
              voucher_status: state.voucher,
              execution_status: state.execution,
              sub_fulfillment_status: state.sub,
              redemption_status: REDEMPTION_STATUS[itemRedemptionStatus(state)],
              redeem_id: v.redeemId,
            };
          }),
        }),
      );
    },
  );

  app.get(
    "/platform/orders/:shop_order_id/qr",
    {
      onRequest,
      schema: {
        tags: ["platform"],
        summary: "The customer's dynamic QR: qr_info as JSON, or drawn as PNG or SVG",
        params: Type.Object({ shop_order_id: IdParam }),
        querystring: Type.Object({
          format: Type.Optional(Type.Union([Type.Literal("json"), Type.Literal("png"), Type.Literal("svg")])),
          ttl: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400 })),
        }),
      },
      attachValidation: true,
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      const { shop_order_id } = request.params as { shop_order_id: string };
      const { format, ttl } = request.query as { format?: string; ttl?: number };
      const order = await sys.store.primary.shopOrderById(shop_order_id);
      if (!order) return send(request, reply, genericReply("not_found", request.id, "unknown shop order"));
      const qr = issueQr(ctx, shop_order_id, ttl ?? ctx.config.qrTtlSeconds);
      request.outcome = {
        endpoint: "platform.qr",
        row: "OK",
        cause: null,
        appId: null,
        merchantId: order.merchantId,
        redeemId: null,
      };
      if (format === "png")
        return reply
          .type("image/png")
          .send(await QRCode.toBuffer(qr.qr_info, { errorCorrectionLevel: "M", margin: 2, width: 320 }));
      if (format === "svg")
        return reply
          .type("image/svg+xml")
          .send(await QRCode.toString(qr.qr_info, { type: "svg", errorCorrectionLevel: "M", margin: 2 }));
      return reply.send(okEnvelope(request, qr));
    },
  );

  const afterSaleReply = (
    request: FastifyRequest,
    reply: FastifyReply,
    r: Awaited<ReturnType<typeof requestRefund>>,
  ) => {
    if (!r.ok) {
      const code = r.reason === "not_found" ? "not_found" : "invalid_params";
      return send(request, reply, genericReply(code, request.id, `after-sale ${r.reason}`), r.reason);
    }
    const a = r.afterSale;
    return reply.send(
      okEnvelope(request, {
        after_sale_order_id: a.afterSaleOrderId,
        shop_order_id: a.shopOrderId,
        item_order_ids: a.itemOrderIds,
        status: a.status,
        apply_source: a.applySource,
        create_time: a.createTime,
        update_time: a.updateTime,
      }),
    );
  };

  app.post(
    "/platform/after-sales",
    {
      ...common,
      schema: {
        tags: ["platform"],
        summary: "The customer asks for a refund: refund in progress",
        body: AfterSaleBody,
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      const body = request.body as Static<typeof AfterSaleBody>;
      return afterSaleReply(
        request,
        reply,
        await requestRefund(sys.afterSaleDeps, body.merchant_id, body.shop_order_id, body.item_order_ids),
      );
    },
  );

  for (const [verb, run] of [
    ["approve", approveRefund],
    ["close", closeRefund],
  ] as const) {
    app.post(
      `/platform/after-sales/:after_sale_order_id/${verb}`,
      {
        ...common,
        schema: {
          tags: ["platform"],
          summary:
            verb === "approve"
              ? "Approve the refund: all three records refunded"
              : "Close the after-sale: the items are usable again",
          params: Type.Object({ after_sale_order_id: IdParam }),
          body: MerchantOnly,
        },
      },
      async (request, reply) => {
        if (request.validationError) return invalid(request, reply, request.validationError.message);
        const { after_sale_order_id } = request.params as { after_sale_order_id: string };
        return afterSaleReply(
          request,
          reply,
          await run(
            sys.afterSaleDeps,
            (request.body as Static<typeof MerchantOnly>).merchant_id,
            after_sale_order_id,
          ),
        );
      },
    );
  }

  app.post(
    "/platform/expired-refunds/run",
    {
      onRequest,
      schema: { tags: ["platform"], summary: "Refund expired unused vouchers now (also runs every minute)" },
    },
    async (request, reply) => {
      const made = await sweepExpiredRefunds(sys.afterSaleDeps);
      return reply.send(
        okEnvelope(request, {
          refunded: made.map((a) => ({
            after_sale_order_id: a.afterSaleOrderId,
            shop_order_id: a.shopOrderId,
            item_order_ids: a.itemOrderIds,
          })),
        }),
      );
    },
  );
}
