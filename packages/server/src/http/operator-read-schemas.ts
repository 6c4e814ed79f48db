/**
 * The queries and `data` of support's reads (for /openapi.json and the routes' validation): the
 * operator audit, the redemption search, the after-sales queue. Every list pages by an opaque
 * cursor: the previous page's `cursor`, null on the last page.
 */
import { type TSchema, Type } from "typebox";
import { PageLimit } from "./page-query.js";

const Id = (description?: string) =>
  Type.String({ pattern: "^[0-9]{1,19}$", ...(description ? { description } : {}) });
const Nullable = (schema: TSchema) => Type.Union([schema, Type.Null()]);
const Seconds = (description?: string) =>
  Type.Integer({ format: "int64", ...(description ? { description } : {}) });

const IdParam = Type.String({ pattern: "^[1-9][0-9]{0,18}$" });
const UnixSeconds = (description: string) => Type.String({ pattern: "^[0-9]{1,12}$", description });
const Cursor = Type.String({ maxLength: 64, description: "The previous page's cursor" });
const Paging = {
  has_more: Type.Boolean(),
  cursor: Nullable(Type.String({ description: "The next page's cursor, null on the last page" })),
};

export const AuditQuery = Type.Object({
  route: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: "Only writes of this route, as /openapi.json spells it with :params",
    }),
  ),
  limit: Type.Optional(PageLimit),
  cursor: Type.Optional(
    Type.String({ pattern: "^[1-9][0-9]{0,18}$", description: "The previous page's cursor" }),
  ),
});

export const AnswerRowData = Type.Object({
  row: Type.String({ description: "A catalogue row, a generic code, or OK" }),
  code: Type.String(),
  message: Type.String(),
  http_status: Type.Integer(),
});

export const AuditData = Type.Object({
  audit: Type.Array(
    Type.Object({
      audit_id: Id(),
      at: Seconds("Unix seconds (real clock)"),
      log_id: Type.String({ description: "The request's X-Tt-Logid (GET /platform/logs/{log_id})" }),
      client_address: Type.String({
        description: "The client address (X-Forwarded-For behind a trusted proxy)",
      }),
      method: Type.String(),
      route: Type.String(),
      target: Type.Record(Type.String(), Type.String(), { description: "The route's path parameters" }),
      outcome: AnswerRowData,
    }),
  ),
  ...Paging,
});

export const RedemptionSearchQuery = Type.Object({
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  shop_order_id: Type.Optional(IdParam),
  shop_id: Type.Optional(IdParam),
  from: Type.Optional(UnixSeconds("Redeemed at or after (Unix s, business clock)")),
  to: Type.Optional(UnixSeconds("Redeemed before (Unix s, business clock)")),
  limit: Type.Optional(PageLimit),
  cursor: Type.Optional(Cursor),
});

export const RedemptionsData = Type.Object({
  redemptions: Type.Array(
    Type.Object({
      redeem_id: Id(),
      shop_order_id: Id(),
      merchant_id: Id(),
      shop_id: Id(),
      third_shop_id: Type.String(),
      app_id: Nullable(Id()),
      codes: Type.Array(Type.String()),
      item_order_ids: Type.Array(Id()),
      redeem_time: Seconds("Unix seconds (business clock)"),
      state: Type.String({ enum: ["REDEEMED", "CANCELLED"] }),
      cancel_time: Nullable(Seconds("Unix seconds (business clock)")),
    }),
  ),
  ...Paging,
});

export const AFTER_SALE_STATES = { open: "PROCESSING", approved: "SUCCESS", closed: "CLOSED" } as const;

export const AfterSaleQueueQuery = Type.Object({
  state: Type.Optional(
    Type.Union([Type.Literal("open"), Type.Literal("approved"), Type.Literal("closed")], {
      description:
        "open (PROCESSING), approved (SUCCESS) or closed (CLOSED); unset: open ones first, then the rest",
    }),
  ),
  limit: Type.Optional(PageLimit),
  cursor: Type.Optional(Cursor),
});

export const AfterSaleQueueData = Type.Object({
  after_sales: Type.Array(
    Type.Object({
      after_sale_order_id: Id(),
      merchant_id: Id(),
      shop_order_id: Id(),
      item_order_ids: Type.Array(Id()),
      status: Type.String({ enum: ["PROCESSING", "SUCCESS", "CLOSED"] }),
      apply_source: Type.Integer(),
      create_time: Seconds("Unix seconds (business clock)"),
      update_time: Seconds("Unix seconds (business clock)"),
    }),
  ),
  ...Paging,
});
