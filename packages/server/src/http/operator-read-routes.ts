/**
 * Support's searches (operator token): `GET /platform/redemptions` (by code, shop order, shop,
 * time; cancelled ones too, newest first) and `GET /platform/after-sales` (the refund queue,
 * open requests first, oldest first). Both page by cursor.
 */
import type { FastifyInstance } from "fastify";
import type { Static } from "typebox";
import type { AfterSaleOrderRecord, RedemptionRecord } from "../core/records.js";
import type { HttpContext } from "./context.js";
import { okAnswer, operatorResponses, SECURITY } from "./openapi.js";
import { operatorGuard } from "./operator.js";
import {
  AFTER_SALE_STATES,
  AfterSaleQueueData,
  AfterSaleQueueQuery,
  RedemptionSearchQuery,
  RedemptionsData,
} from "./operator-read-schemas.js";
import { sendResult } from "./send.js";

const num = (value: string | undefined) => (value === undefined ? undefined : Number(value));

const redemptionView = (r: RedemptionRecord) => ({
  redeem_id: r.redeemId,
  shop_order_id: r.shopOrderId,
  merchant_id: r.merchantId,
  shop_id: r.shopId,
  third_shop_id: r.thirdShopId,
  app_id: r.appId,
  codes: r.codes,
  item_order_ids: r.itemOrderIds,
  redeem_time: r.redeemTime,
  state: r.status,
  cancel_time: r.cancelTime,
});

const queueView = (a: AfterSaleOrderRecord) => ({
  after_sale_order_id: a.afterSaleOrderId,
  merchant_id: a.merchantId,
  shop_order_id: a.shopOrderId,
  item_order_ids: a.itemOrderIds,
  status: a.status,
  apply_source: a.applySource,
  create_time: a.createTime,
  update_time: a.updateTime,
});

export function operatorReadRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const onRequest = operatorGuard(ctx);

  app.get(
    "/platform/redemptions",
    {
      onRequest,
      schema: {
        tags: ["platform"],
        operationId: "searchRedemptions",
        summary:
          "Support: redemptions (cancelled ones too) by code, shop order, shop (platform shop id) and redeem time (from inclusive, to exclusive), newest first; at least one filter",
        security: SECURITY.operator,
        querystring: RedemptionSearchQuery,
        response: operatorResponses(okAnswer(RedemptionsData, "One page of redemptions")),
      },
    },
    async (request, reply) => {
      const q = request.query as Static<typeof RedemptionSearchQuery>;
      const found = await ctx.operatorReads.searchRedemptions(
        { code: q.code, shopOrderId: q.shop_order_id, shopId: q.shop_id, from: num(q.from), to: num(q.to) },
        { cursor: q.cursor, limit: num(q.limit) },
      );
      return sendResult(request, reply, found, (p) => ({
        redemptions: p.items.map(redemptionView),
        has_more: p.hasMore,
        cursor: p.cursor,
      }));
    },
  );

  app.get(
    "/platform/after-sales",
    {
      onRequest,
      schema: {
        tags: ["platform"],
        operationId: "listAfterSales",
        summary:
          "The after-sales queue: refund requests, open ones first (oldest first), or those of one state",
        security: SECURITY.operator,
        querystring: AfterSaleQueueQuery,
        response: operatorResponses(okAnswer(AfterSaleQueueData, "One page of the queue")),
      },
    },
    async (request, reply) => {
      const q = request.query as Static<typeof AfterSaleQueueQuery>;
      const queue = await ctx.operatorReads.afterSaleQueue(q.state ? AFTER_SALE_STATES[q.state] : null, {
        cursor: q.cursor,
        limit: num(q.limit),
      });
      return sendResult(request, reply, queue, (p) => ({
        after_sales: p.items.map(queueView),
        has_more: p.hasMore,
        cursor: p.cursor,
      }));
    },
  );
}
