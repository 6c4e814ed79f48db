/**
 * The SaaS endpoints' request and response schemas: the routes validate with them, the endpoints
 * take their bodies' types from them, and /openapi.json documents them.
 */
import { type Static, Type } from "typebox";

const Str = (max: number, min = 0) => Type.String({ maxLength: max, minLength: min });

const INT64_MAX = "9223372036854775807";

/** Alternatives matching exactly the 19-digit strings above `max` (one per first differing digit). */
function digitsAbove(max: string): string {
  const alternatives: string[] = [];
  for (let i = 0; i < max.length; i++) {
    const d = Number(max[i]);
    if (d === 9) continue;
    const rest = max.length - i - 1;
    alternatives.push(`${max.slice(0, i)}[${d + 1}-9]${rest > 0 ? `[0-9]{${rest}}` : ""}`);
  }
  return alternatives.join("|");
}

/**
 * No NUL: PostgreSQL cannot store it in text, so it would fail as a dependency (a retry row)
 * instead of as the parameter error it is (CONTRACT.md section 3).
 */
export const NO_NUL = "^[^\\u0000]*$";
/** No NUL, and not a run of digits outside int64 (an id nobody can hold: a parameter error). */
export const NO_NUL_NOR_BIG_ID = `^(?![0-9]{20,}$|(?:${digitsAbove(INT64_MAX)})$)[^\\u0000]*$`;

/** A platform id in a path or an operator body: 1..19 digits within int64. */
export const INT64_ID = `^(?!(?:${digitsAbove(INT64_MAX)})$)[1-9][0-9]{0,18}$`;

/** Free text of the request: a string without NUL. */
const Text = (max: number, min = 0) => Type.String({ maxLength: max, minLength: min, pattern: NO_NUL });
/** A platform id field (merchant_id): as text, and a digit string must fit int64. */
const IdText = (max: number) => Type.String({ maxLength: max, pattern: NO_NUL_NOR_BIG_ID });

export const QueryBody = Type.Object(
  {
    merchant_id: IdText(64),
    third_shop_id: Text(64, 1),
    // A typed code with a NUL is a non-digit code (G3); past TT- a QR's bad byte is G10.
    code_list: Type.Optional(Type.Array(Str(100), { minItems: 1, maxItems: 100 })),
    qr_info: Type.Optional(Str(8192)),
    locale: Type.Optional(Text(35)),
  },
  {
    description:
      "get_code_item_list: exactly one of code_list (typed codes) and qr_info (scanned, starts with TT-).",
  },
);

export const RedeemBody = Type.Object({
  merchant_id: IdText(64),
  third_shop_id: Text(64, 1),
  // Not a decimal id (out of int64 included) is R10, the core's own parameter row.
  shop_order_id: Text(64),
  code_list: Type.Array(Text(100), { minItems: 1, maxItems: 100 }),
  locale: Text(35),
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

export const CancelBody = Type.Object({
  merchant_id: IdText(64),
  third_shop_id: Text(64, 1),
  // Not a decimal id (out of int64 included) is C6, the endpoint's own parameter row.
  redeem_id: Text(64),
  locale: Type.Optional(Text(35)),
});

export const CancelResponse = Type.Object({
  data: Type.Object({ redeem_id: Type.Optional(Type.String()), cancel_time: Type.Optional(Type.Integer()) }),
  error: ErrorObject,
});

export const RecordsBody = Type.Object({
  merchant_id: IdText(64),
  third_shop_id: Type.Optional(Text(64, 1)),
  start_time: Type.Integer({ minimum: 0, maximum: 253402300799 }),
  end_time: Type.Integer({ minimum: 0, maximum: 253402300799 }),
  // An unreadable cursor (NUL, out of range) is Q1, the endpoint's own parameter row.
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

export type QueryBodyT = Static<typeof QueryBody>;
export type RedeemBodyT = Static<typeof RedeemBody>;
export type CancelBodyT = Static<typeof CancelBody>;
export type RecordsBodyT = Static<typeof RecordsBody>;
export type TokenFormT = Static<typeof TokenForm>;
