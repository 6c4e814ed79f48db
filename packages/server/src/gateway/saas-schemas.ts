/**
 * The SaaS endpoints' request and response schemas: the routes validate with them, the endpoints
 * take their bodies' types from them, and /openapi.json documents them.
 */
import { type Static, type TSchema, Type } from "typebox";

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

/** The four handlings of a row (CONTRACT.md section 3). */
export const HANDLINGS = ["retry", "recheck", "rescan", "refresh_qr", "none"] as const;

/** The envelope's `error` (CONTRACT.md section 3); documented once, as the component `ErrorObject`. */
export const ErrorObject = Type.Object(
  {
    code: Type.String({
      description: '"0" on success, else the catalogue code as a decimal string, or a generic v2 code',
    }),
    message: Type.String({ description: '"success", or the symbolic name of the cause (catalogue message)' }),
    log_id: Type.String({ description: "Also in the X-Tt-Logid header; the operator looks it up" }),
    description: Type.Optional(Type.String({ description: "(ext) one human sentence for the cause" })),
    handling: Type.Optional(
      Type.String({
        enum: [...HANDLINGS],
        description:
          "(ext) retry: retry in place; recheck: re-run get_code_item_list, then decide; rescan: scan again; refresh_qr: ask the customer to refresh the QR; none: will not succeed by retrying",
      }),
    ),
    detail: Type.Optional(
      Type.String({
        description:
          "(ext) on parameter rows (G1, G3, R1, R3, R10, R12, X1, C6, Q1): which field is wrong and why, never its value",
      }),
    ),
  },
  { $id: "ErrorObject" },
);

/** 0 INIT, 100 WAIT_FULFILL, 400 FINISH, 500 AFTER_SALE_PROCESSING, 501 AFTER_SALE_SUCCESS. */
const RedemptionStatus = Type.Integer({
  enum: [0, 100, 400, 500, 501],
  description: "0 INIT, 100 WAIT_FULFILL, 400 FINISH, 500 AFTER_SALE_PROCESSING, 501 AFTER_SALE_SUCCESS",
});
const RedemptionSource = Type.Integer({ enum: [1, 2], description: "1 MERCHANT_APP, 2 SAAS" });

/** TTLS's CodeItem (CONTRACT.md section 4); documented once, as the component `CodeItem`. */
export const CodeItem = Type.Object(
  {
    code: Type.String({ description: "The voucher code (12 digits)" }),
    item_order_id: Type.String({ description: "One item order per code; a shop order has many" }),
    product_name: Type.String({ description: "In the request's locale when the product has that name" }),
    goods_image_url: Type.String(),
    refund_rule_desc: Type.String(),
    crossed_amount: Type.String({ description: "List price, decimal string in the currency's major unit" }),
    sale_amount: Type.String({ description: "Selling price, decimal string in the currency's major unit" }),
    currency: Type.String({ description: "ISO 4217" }),
    code_can_use_time: Type.Object(
      { start_time: Type.Integer({ format: "int64" }), end_time: Type.Integer({ format: "int64" }) },
      { description: "The usable window of this code (Unix seconds)" },
    ),
    code_cannot_use_date: Type.Object(
      {
        enable: Type.Boolean({ description: "Now is inside an unavailable time" }),
        content_list: Type.Array(
          Type.Object({
            type: Type.String({ enum: ["use_time", "cannot_use_date"] }),
            title: Type.String(),
            contents: Type.Array(Type.String()),
          }),
        ),
      },
      { description: "Reminders (usable weekdays and hours, holidays); never an error here" },
    ),
    redemption_status: RedemptionStatus,
    product_id: Type.String(),
    third_product_id: Type.String(),
    redeem_id: Type.Optional(Type.String({ description: "Set once redeemed" })),
    redemption_source: Type.Optional(RedemptionSource),
    redeemed_shop_id: Type.Optional(
      Type.Integer({
        format: "int64",
        description:
          "int64 as in TTLS, a JSON number written with every digit. Above 2^53 a JSON.parse-based client (JavaScript, most generated clients) reads it rounded (7100000000000000001 becomes 7100000000000000000): parse it losslessly, or read redeemed_shop_id_str.",
      }),
    ),
    redeemed_shop_id_str: Type.Optional(
      Type.String({
        pattern: "^-?[0-9]{1,19}$",
        description:
          "(ext) redeemed_shop_id's digits as a decimal string, present exactly when redeemed_shop_id is; exact in every language",
      }),
    ),
    redeemed_third_shop_id: Type.String({ description: '"" while not redeemed' }),
    redeem_time: Type.Optional(
      Type.Integer({ format: "int64", description: "(ext) Unix seconds, when redeemed" }),
    ),
  },
  { $id: "CodeItem" },
);

/** The envelope around a success's `data` (the error object of a success is code "0"). */
const envelopeOf = (data: TSchema, description: string) =>
  Type.Object({ data, error: Type.Ref("ErrorObject") }, { description });

/** Success of get_code_item_list/. */
export const QueryResponse = envelopeOf(
  Type.Object({ shop_order_id: Type.String(), code_list: Type.Array(Type.Ref("CodeItem")) }),
  "Success: the shop order and its codes usable at this shop",
);

/** A catalogue row of get_code_item_list/: G19 and G22 carry the order's redeemed codes in data. */
export const QueryRowResponse = envelopeOf(
  Type.Object(
    {
      shop_order_id: Type.Optional(Type.String()),
      code_list: Type.Optional(Type.Array(Type.Ref("CodeItem"))),
    },
    { description: "{} for most rows; G19 and G22: the order and its FINISH or after-sale codes" },
  ),
  "A catalogue row of get_code_item_list (G1..G22; x-error-catalogue lists them): code, message, description, handling",
);

/** Success of redeem_code/. */
export const RedeemResponse = envelopeOf(
  Type.Object({ redeem_id: Type.String() }),
  "Success: every code redeemed in one transaction (header Idempotent-Replayed: true on a replay)",
);

/** What the token endpoint validates: every field optional, any string, so that its own checks answer RFC 6749's errors (invalid_request, unsupported_grant_type), never a schema error. */
export const TokenForm = Type.Object({
  client_key: Type.Optional(Type.String()),
  client_secret: Type.Optional(Type.String()),
  merchant_id: Type.Optional(Type.String()),
  grant_type: Type.Optional(Type.String()),
  refresh_token: Type.Optional(Type.String()),
});

/** The token endpoint's form as the contract defines it (CONTRACT.md section 2): what /openapi.json documents. */
export const TokenFormDocumented = Type.Object({
  client_key: Type.String({ minLength: 1, description: "The SaaS app's client key" }),
  client_secret: Type.String({ minLength: 1, description: "The SaaS app's client secret" }),
  merchant_id: Type.String({
    pattern: "^[0-9]{1,19}$",
    description: "The merchant that authorized the app (decimal id)",
  }),
  grant_type: Type.String({
    enum: ["access_token", "refresh_token"],
    description: "access_token: a new token; refresh_token: rotate the refresh token (send refresh_token)",
  }),
  refresh_token: Type.Optional(Type.String({ description: "Required with grant_type=refresh_token" })),
});

export const TokenResponse = Type.Object(
  {
    access_token: Type.String({ description: "mat.…; send as Authorization: Bearer" }),
    expires_in: Type.Integer({ format: "int64", description: "absolute Unix time (as TTLS)" }),
    refresh_token: Type.String({ description: "mrt.…; rotated by every refresh" }),
    refresh_expires_in: Type.Integer({ format: "int64", description: "absolute Unix time" }),
  },
  { $id: "TokenPair", description: "The tokens, bound to (app, merchant)" },
);

export const CancelBody = Type.Object({
  merchant_id: IdText(64),
  third_shop_id: Text(64, 1),
  // Not a decimal id (out of int64 included) is C6, the endpoint's own parameter row.
  redeem_id: Text(64),
  locale: Type.Optional(Text(35)),
});

/** Success of cancel_redeem/. */
export const CancelResponse = envelopeOf(
  Type.Object({ redeem_id: Type.String(), cancel_time: Type.Integer({ format: "int64" }) }),
  "Success: every code of the redemption is back to WAIT_FULFILL",
);

export const RecordsBody = Type.Object({
  merchant_id: IdText(64),
  third_shop_id: Type.Optional(Text(64, 1)),
  start_time: Type.Integer({ minimum: 0, maximum: 253402300799 }),
  end_time: Type.Integer({ minimum: 0, maximum: 253402300799 }),
  // An unreadable cursor (NUL, out of range) is Q1, the endpoint's own parameter row.
  cursor: Type.String({
    maxLength: 64,
    minLength: 1,
    example: "0",
    description: '"0" for the first page, then the cursor of the previous answer',
  }),
  size: Type.Integer({ minimum: 1, maximum: 100 }),
});

/** Success of query_redeem_record/. */
export const RecordsResponse = envelopeOf(
  Type.Object({
    records: Type.Array(
      Type.Object({
        redeem_id: Type.String(),
        shop_order_id: Type.String(),
        codes: Type.Array(Type.String()),
        item_order_ids: Type.Array(Type.String()),
        third_shop_id: Type.String(),
        redeem_time: Type.Integer({ format: "int64" }),
        redemption_source: RedemptionSource,
        status: Type.String({ enum: ["REDEEMED", "CANCELLED"] }),
        cancel_time: Type.Integer({ format: "int64", description: "0 while not cancelled" }),
        can_cancel: Type.Boolean(),
      }),
    ),
    cursor: Type.String({ description: "The next page's cursor" }),
    has_more: Type.Boolean(),
  }),
  "Success: one page of redemptions, newest first",
);

/** A catalogue row of an endpoint whose rows carry no data. */
export const RowResponse = (description: string) => envelopeOf(Type.Object({}), description);

export type QueryBodyT = Static<typeof QueryBody>;
export type RedeemBodyT = Static<typeof RedeemBody>;
export type CancelBodyT = Static<typeof CancelBody>;
export type RecordsBodyT = Static<typeof RecordsBody>;
export type TokenFormT = Static<typeof TokenForm>;
