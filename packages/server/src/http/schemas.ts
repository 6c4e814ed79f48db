/** Request and response schemas: the routes validate with them and /openapi.json documents them. */
import { Type } from "typebox";

const Str = (max: number, min = 0) => Type.String({ maxLength: max, minLength: min });

export const QueryBody = Type.Object(
  {
    merchant_id: Str(64),
    third_shop_id: Str(64, 1),
    code_list: Type.Optional(Type.Array(Str(100), { minItems: 1, maxItems: 100 })),
    qr_info: Type.Optional(Str(8192)),
    locale: Type.Optional(Str(35)),
  },
  {
    description:
      "get_code_item_list: exactly one of code_list (typed codes) and qr_info (scanned, starts with TT-).",
  },
);

export const RedeemBody = Type.Object({
  merchant_id: Str(64),
  third_shop_id: Str(64, 1),
  shop_order_id: Str(64),
  code_list: Type.Array(Str(100), { minItems: 1, maxItems: 100 }),
  locale: Str(35),
});

export const ErrorObject = Type.Object({
  code: Type.String({
    description: '"0" on success, else the catalogue code as a decimal string, or a generic v2 code',
  }),
  message: Type.String({ description: '"success", or the symbolic name of the cause (catalogue message)' }),
  log_id: Type.String(),
  description: Type.Optional(Type.String()),
  handling: Type.Optional(
    Type.Union([
      Type.Literal("retry"),
      Type.Literal("recheck"),
      Type.Literal("rescan"),
      Type.Literal("refresh_qr"),
      Type.Literal("none"),
    ]),
  ),
});

export const CodeItem = Type.Object({
  code: Type.String(),
  item_order_id: Type.String(),
  product_name: Type.String(),
  goods_image_url: Type.String(),
  refund_rule_desc: Type.String(),
  crossed_amount: Type.String(),
  sale_amount: Type.String(),
  currency: Type.String(),
  code_can_use_time: Type.Object({ start_time: Type.Integer(), end_time: Type.Integer() }),
  code_cannot_use_date: Type.Object({
    enable: Type.Boolean(),
    content_list: Type.Array(
      Type.Object({
        type: Type.Union([Type.Literal("use_time"), Type.Literal("cannot_use_date")]),
        title: Type.String(),
        contents: Type.Array(Type.String()),
      }),
    ),
  }),
  redemption_status: Type.Integer({
    description: "0 INIT, 100 WAIT_FULFILL, 400 FINISH, 500 AFTER_SALE_PROCESSING, 501 AFTER_SALE_SUCCESS",
  }),
  product_id: Type.String(),
  third_product_id: Type.String(),
  redeem_id: Type.Optional(Type.String()),
  redemption_source: Type.Optional(Type.Integer({ description: "1 MERCHANT_APP, 2 SAAS" })),
  redeemed_shop_id: Type.Optional(
    Type.Integer({ format: "int64", description: "int64, written with every digit" }),
  ),
  redeemed_third_shop_id: Type.String(),
  redeem_time: Type.Optional(Type.Integer({ description: "(ext) Unix seconds" })),
});

export const QueryResponse = Type.Object({
  data: Type.Object({
    shop_order_id: Type.Optional(Type.String()),
    code_list: Type.Optional(Type.Array(CodeItem)),
  }),
  error: ErrorObject,
});

export const RedeemResponse = Type.Object({
  data: Type.Object({ redeem_id: Type.Optional(Type.String()) }),
  error: ErrorObject,
});

export const TokenForm = Type.Object({
  client_key: Type.Optional(Type.String()),
  client_secret: Type.Optional(Type.String()),
  merchant_id: Type.Optional(Type.String()),
  grant_type: Type.Optional(Type.String({ description: "access_token | refresh_token" })),
  refresh_token: Type.Optional(Type.String()),
});

export const TokenResponse = Type.Object({
  access_token: Type.String(),
  expires_in: Type.Integer({ description: "absolute Unix time" }),
  refresh_token: Type.String(),
  refresh_expires_in: Type.Integer({ description: "absolute Unix time" }),
});

export const FaultBody = Type.Object({
  point: Type.String(),
  times: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  merchant_id: Type.Optional(Type.Union([Type.String({ pattern: "^[0-9]{1,19}$" }), Type.Null()])),
});

export const ClockBody = Type.Object({
  now: Type.Union([Type.Integer({ minimum: 0, maximum: 253402300799 }), Type.Null()]),
});

export const QrBody = Type.Object({
  shop_order_id: Type.String({ pattern: "^[0-9]{1,19}$" }),
  ttl: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400 })),
});

export const CancelBody = Type.Object({
  merchant_id: Str(64),
  third_shop_id: Str(64, 1),
  redeem_id: Str(64),
  locale: Type.Optional(Str(35)),
});

export const CancelResponse = Type.Object({
  data: Type.Object({ redeem_id: Type.Optional(Type.String()), cancel_time: Type.Optional(Type.Integer()) }),
  error: ErrorObject,
});

export const RecordsBody = Type.Object({
  merchant_id: Str(64),
  third_shop_id: Type.Optional(Str(64, 1)),
  start_time: Type.Integer({ minimum: 0, maximum: 253402300799 }),
  end_time: Type.Integer({ minimum: 0, maximum: 253402300799 }),
  cursor: Str(64, 1),
  size: Type.Integer({ minimum: 1, maximum: 100 }),
});

export const RecordsResponse = Type.Object({
  data: Type.Object({
    records: Type.Optional(
      Type.Array(
        Type.Object({
          redeem_id: Type.String(),
          shop_order_id: Type.String(),
          codes: Type.Array(Type.String()),
          item_order_ids: Type.Array(Type.String()),
          third_shop_id: Type.String(),
          redeem_time: Type.Integer(),
          redemption_source: Type.Integer(),
          status: Type.Union([Type.Literal("REDEEMED"), Type.Literal("CANCELLED")]),
          cancel_time: Type.Integer({ description: "0 while not cancelled" }),
          can_cancel: Type.Boolean(),
        }),
      ),
    ),
    cursor: Type.Optional(Type.String()),
    has_more: Type.Optional(Type.Boolean()),
  }),
  error: ErrorObject,
});
