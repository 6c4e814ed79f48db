/**
 * The operator's platform API (CONTRACT.md section 8): apps, merchants, shops, grants,
 * holidays, products (create or replace, validated like the sandbox world), shop orders, the
 * customer's QR, after-sales. Guarded by the operator token; each route calls one use case of
 * `ctx.platform` and sends its outcome.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import QRCode from "qrcode";
import { type Static, type TSchema, Type } from "typebox";
import { WorldGrant, WorldHoliday, WorldMerchant, WorldProduct, WorldShop } from "../core/platform-schema.js";
import type { AfterSaleOrderRecord } from "../core/records.js";
import { fail, type Result } from "../core/result.js";
import { REDEMPTION_STATUS } from "../domain/status.js";
import {
  AfterSaleData,
  CreatedAppData,
  GrantData,
  HolidayData,
  IssuedOrderData,
  MerchantIdData,
  OrderData,
  ProductIdData,
  QrData,
  RefundedData,
  RevokedData,
  ShopData,
} from "./answer-schemas.js";
import type { HttpContext } from "./context.js";
import { okAnswer, operatorResponses, SECURITY } from "./openapi.js";
import { operatorGuard } from "./operator.js";
import { INT64_ID } from "./schemas.js";
import { type SendExtra, sendImage, sendResult } from "./send.js";

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
const GrantParams = Type.Object({ merchant_id: IdParam, client_key: Type.String({ maxLength: 64 }) });
const GrantBody = Type.Omit(WorldGrant, ["client_key"]);
const ShopOrderParams = Type.Object({ shop_order_id: IdParam });
const QrQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal("json"), Type.Literal("png"), Type.Literal("svg")])),
  ttl: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400 })),
});
const AfterSaleParams = Type.Object({ after_sale_order_id: IdParam });

/** A platform answer: a refusal's message says at most 300 characters. */
function answer<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  result: Result<T>,
  data: (value: T) => Record<string, unknown>,
  extra: SendExtra = {},
) {
  const clipped =
    result.ok || result.message === undefined ? result : { ...result, message: result.message.slice(0, 300) };
  return sendResult(request, reply, clipped, data, extra);
}

/** A body the schema refused (the routes attach validation to answer it here). */
const invalid = (request: FastifyRequest, reply: FastifyReply, message: string) =>
  answer(request, reply, fail("invalid_params", message, { message }), () => ({}));

const afterSaleView = (a: AfterSaleOrderRecord) => ({
  after_sale_order_id: a.afterSaleOrderId,
  shop_order_id: a.shopOrderId,
  item_order_ids: a.itemOrderIds,
  status: a.status,
  apply_source: a.applySource,
  create_time: a.createTime,
  update_time: a.updateTime,
});

export function platformAdminRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const onRequest = operatorGuard(ctx);
  const common = { onRequest, attachValidation: true };
  const platform = ctx.platform;
  /** The documentation of an operator route: its id, summary, security and responses. */
  const summary = (operationId: string, text: string, ok: TSchema, notFound?: string) => ({
    tags: ["platform"],
    operationId,
    summary: text,
    security: SECURITY.operator,
    response: operatorResponses(okAnswer(ok, text), notFound ? { notFound } : {}),
  });

  app.post(
    "/platform/apps",
    {
      ...common,
      schema: {
        ...summary("putApp", "Create or replace a SaaS app; the secret is shown once", CreatedAppData),
        body: AppBody,
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      const created = await platform.putApp(request.body as Static<typeof AppBody>);
      return answer(request, reply, created, (a) => ({ ...a }));
    },
  );

  app.post(
    "/platform/merchants",
    {
      ...common,
      schema: {
        ...summary("putMerchant", "Create or replace a merchant (with shops and grants)", MerchantIdData),
        body: WorldMerchant,
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      const body = request.body as Static<typeof WorldMerchant>;
      return answer(request, reply, await platform.putMerchant(body), () => ({
        merchant_id: body.merchant_id,
      }));
    },
  );

  app.post(
    "/platform/merchants/:merchant_id/shops",
    {
      ...common,
      schema: {
        ...summary("putShop", "Create or replace a shop", ShopData, "unknown merchant"),
        params: MerchantOnly,
        body: WorldShop,
      },
    },
    async (request, reply) => {
      // The merchant is looked up first: an unknown one answers not_found whatever the body.
      const merchant = await platform.merchant((request.params as Static<typeof MerchantOnly>).merchant_id);
      if (!merchant.ok) return answer(request, reply, merchant, () => ({}));
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      const shop = request.body as Static<typeof WorldShop>;
      return answer(request, reply, await platform.putShop(merchant.value, shop), () => shop);
    },
  );

  app.put(
    "/platform/merchants/:merchant_id/grants/:client_key",
    {
      ...common,
      schema: {
        ...summary(
          "putGrant",
          "Grant (or change the grant of) an app: scopes and optional shop list",
          GrantData,
          "unknown merchant or app",
        ),
        params: GrantParams,
        body: GrantBody,
      },
    },
    async (request, reply) => {
      const { merchant_id, client_key } = request.params as Static<typeof GrantParams>;
      const merchant = await platform.merchant(merchant_id);
      if (!merchant.ok) return answer(request, reply, merchant, () => ({}));
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      const body = request.body as Static<typeof GrantBody> | undefined;
      const grant = { client_key, scopes: body?.scopes ?? [], third_shop_ids: body?.third_shop_ids ?? [] };
      return answer(request, reply, await platform.putGrant(merchant.value, grant), () => grant);
    },
  );

  app.delete(
    "/platform/merchants/:merchant_id/grants/:client_key",
    {
      onRequest,
      schema: {
        ...summary(
          "revokeGrant",
          "Revoke a grant: its tokens stop working at once",
          RevokedData,
          "no such grant",
        ),
        params: GrantParams,
      },
    },
    async (request, reply) => {
      const { merchant_id, client_key } = request.params as Static<typeof GrantParams>;
      return answer(request, reply, await platform.revokeGrant(merchant_id, client_key), (r) => r);
    },
  );

  app.post(
    "/platform/holidays",
    {
      ...common,
      schema: {
        ...summary("putHoliday", "Create or replace a holiday of a country", HolidayData),
        body: WorldHoliday,
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      const holiday = request.body as Static<typeof WorldHoliday>;
      return answer(request, reply, await platform.putHoliday(holiday), () => holiday);
    },
  );

  app.post(
    "/platform/products",
    {
      ...common,
      schema: {
        ...summary("putProduct", "Create or replace a product", ProductIdData, "unknown merchant"),
        body: WorldProduct,
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      const product = request.body as Static<typeof WorldProduct>;
      return answer(request, reply, await platform.putProduct(product), () => ({
        product_id: product.product_id,
      }));
    },
  );

  app.post(
    "/platform/orders",
    {
      ...common,
      schema: {
        ...summary(
          "placeOrder",
          "Place a paid shop order: one code per item",
          IssuedOrderData,
          "unknown merchant or product",
        ),
        body: OrderBody,
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      const body = request.body as Static<typeof OrderBody>;
      const issued = await platform.issueOrder({
        merchantId: body.merchant_id,
        productId: body.product_id,
        userId: body.user_id,
        quantity: body.quantity,
      });
      return answer(request, reply, issued, (o) => ({
        shop_order_id: o.shopOrderId,
        items: o.items.map((i) => ({ item_order_id: i.itemOrderId, code: i.code })),
      }));
    },
  );

  app.get(
    "/platform/orders/:shop_order_id",
    {
      onRequest,
      schema: {
        ...summary("getOrder", "A shop order with its items' three records", OrderData, "unknown shop order"),
        params: ShopOrderParams,
      },
    },
    async (request, reply) => {
      const { shop_order_id } = request.params as Static<typeof ShopOrderParams>;
      return answer(request, reply, await platform.order(shop_order_id), ({ order, items }) => ({
        shop_order_id,
        merchant_id: order.merchantId,
        product_id: order.productId,
        user_id: order.userId,
        create_time: order.createTime,
        items: items.map((i) => ({
          item_order_id: i.itemOrderId,
          code: i.code,
          voucher_status: i.state.voucher,
          execution_status: i.state.execution,
          sub_fulfillment_status: i.state.sub,
          redemption_status: REDEMPTION_STATUS[i.redemptionStatus],
          redeem_id: i.redeemId,
        })),
      }));
    },
  );

  app.get(
    "/platform/orders/:shop_order_id/qr",
    {
      onRequest,
      config: { logName: "platform.qr" },
      schema: {
        ...summary(
          "getOrderQr",
          "The customer's dynamic QR: qr_info as JSON, or drawn as PNG or SVG",
          QrData,
        ),
        response: {
          ...operatorResponses(okAnswer(QrData, "format=json (default): the QR as text"), {
            notFound: "unknown shop order",
          }),
          200: {
            description: "format=json (default): the envelope with qr_info; format=png or svg: the QR drawn",
            content: {
              "application/json": { schema: okAnswer(QrData, "The QR as text") },
              "image/png": { schema: { type: "string", format: "binary" } },
              "image/svg+xml": { schema: { type: "string" } },
            },
          },
        },
        params: ShopOrderParams,
        querystring: QrQuery,
      },
      attachValidation: true,
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      const { shop_order_id } = request.params as Static<typeof ShopOrderParams>;
      const { format, ttl } = request.query as Static<typeof QrQuery>;
      const qr = await platform.issueQr(shop_order_id, ttl ?? ctx.config.qrTtlSeconds);
      if (!qr.ok || format === undefined || format === "json")
        return answer(request, reply, qr, (q) => ({ qr_info: q.qr_info, expires_at: q.expires_at }), {
          merchantId: qr.ok ? qr.value.merchantId : null,
        });
      const drawn =
        format === "png"
          ? await QRCode.toBuffer(qr.value.qr_info, { errorCorrectionLevel: "M", margin: 2, width: 320 })
          : await QRCode.toString(qr.value.qr_info, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
      return sendImage(request, reply, format === "png" ? "image/png" : "image/svg+xml", drawn, {
        merchantId: qr.value.merchantId,
      });
    },
  );

  app.post(
    "/platform/after-sales",
    {
      ...common,
      schema: {
        ...summary(
          "requestRefund",
          "The customer asks for a refund: refund in progress",
          AfterSaleData,
          "unknown shop order or item",
        ),
        body: AfterSaleBody,
      },
    },
    async (request, reply) => {
      if (request.validationError) return invalid(request, reply, request.validationError.message);
      const body = request.body as Static<typeof AfterSaleBody>;
      const requested = await platform.requestRefund(
        body.merchant_id,
        body.shop_order_id,
        body.item_order_ids,
      );
      return answer(request, reply, requested, afterSaleView);
    },
  );

  for (const verb of ["approve", "close"] as const) {
    app.post(
      `/platform/after-sales/:after_sale_order_id/${verb}`,
      {
        ...common,
        schema: {
          ...summary(
            verb === "approve" ? "approveRefund" : "closeRefund",
            verb === "approve"
              ? "Approve the refund: all three records refunded"
              : "Close the after-sale: the items are usable again",
            AfterSaleData,
            "unknown after-sale order",
          ),
          params: AfterSaleParams,
          body: MerchantOnly,
        },
      },
      async (request, reply) => {
        if (request.validationError) return invalid(request, reply, request.validationError.message);
        const { after_sale_order_id } = request.params as Static<typeof AfterSaleParams>;
        const { merchant_id } = request.body as Static<typeof MerchantOnly>;
        const settled =
          verb === "approve"
            ? await platform.approveRefund(merchant_id, after_sale_order_id)
            : await platform.closeRefund(merchant_id, after_sale_order_id);
        return answer(request, reply, settled, afterSaleView);
      },
    );
  }

  app.post(
    "/platform/expired-refunds/run",
    {
      onRequest,
      schema: summary(
        "runExpiredRefunds",
        "Refund expired unused vouchers now (also runs every minute)",
        RefundedData,
      ),
    },
    async (request, reply) =>
      answer(request, reply, await platform.sweepExpiredRefunds(), (made) => ({
        refunded: made.map((a) => ({
          after_sale_order_id: a.afterSaleOrderId,
          shop_order_id: a.shopOrderId,
          item_order_ids: a.itemOrderIds,
        })),
      })),
  );
}
