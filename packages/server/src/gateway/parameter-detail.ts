/**
 * (ext) `error.detail` (CONTRACT.md section 3): on parameter rows, one short sentence naming the
 * field and what is wrong with it; absent on every other row. It never echoes a field's value,
 * a secret or a stack trace, so it is written here from the row and the cause's kind, never
 * copied from a cause (a cause may hold a value: it is for the operator's log only).
 */
import type { RowId } from "../domain/catalogue.js";
import { NO_NUL, NO_NUL_NOR_BIG_ID } from "./saas-schemas.js";

/** The rows whose cause is the request itself (section 3), with the detail of their one cause. */
const PARAMETER_ROWS: Partial<Record<RowId, string>> = {
  G1: "the body does not match the schema of get_code_item_list",
  G3: "body/code_list: a code holds a character that is not a digit",
  R1: "the body does not match the endpoint's schema",
  R3: "body/code_list holds the same code twice",
  R10: "body/shop_order_id is not a decimal id (1 to 19 digits, within int64)",
  R12: "body/code_list: a code is not exactly 12 digits",
  X1: "headers/idempotency-key was already used with a different body",
  C6: "body/redeem_id is not a decimal id (1 to 19 digits, within int64)",
  Q1: "body/cursor is not a cursor this endpoint returned",
};

/** Rows with several causes: the detail of each cause the gateway and the core write. */
const BY_CAUSE: Readonly<Record<string, string>> = {
  "exactly one of code_list and qr_info is required":
    "body: exactly one of code_list and qr_info is required",
  "qr_info lacks the TT- prefix": "body/qr_info does not start with TT-",
  // Never which codes (section 3).
  "the typed codes belong to more than one shop order":
    "body/code_list: the codes belong to more than one shop order",
  "Idempotency-Key must be 1..255 characters": "headers/idempotency-key must be 1 to 255 characters",
  "end_time before start_time": "body/end_time is before body/start_time",
};

export function isParameterRow(row: string): boolean {
  return Object.hasOwn(PARAMETER_ROWS, row);
}

/** The detail of a failure of this row and cause, or undefined when the row is not a parameter row. */
export function parameterDetail(row: string, cause: string): string | undefined {
  if (!isParameterRow(row)) return undefined;
  if (cause.startsWith("content type ")) return "headers/content-type must be application/json";
  return BY_CAUSE[cause] ?? PARAMETER_ROWS[row as RowId];
}

/** What Fastify says of a body its parser or the schema refused (the error handler's schema rows). */
export interface RefusedRequest {
  readonly code?: string | undefined;
  readonly validationContext?: string | undefined;
  readonly validation?:
    | readonly {
        readonly instancePath?: string;
        readonly keyword?: string;
        readonly message?: string;
        readonly params?: Record<string, unknown>;
      }[]
    | undefined;
}

/** Messages of a few patterns in words (a pattern is no help to a caller). */
const PATTERN_WORDS: Readonly<Record<string, string>> = {
  [NO_NUL]: "must not hold a NUL character",
  [NO_NUL_NOR_BIG_ID]: "must not hold a NUL character, nor be a number outside int64",
};

/** The detail of a request the transport or the schema refused. */
export function refusedDetail(error: RefusedRequest): string {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return "the body is larger than the limit (64 KB)";
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return "the body is empty";
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return "headers/content-type must be application/json";
    case "FST_ERR_VALIDATION":
      break;
    default:
      return "the body is not valid JSON";
  }
  const first = error.validation?.[0];
  const context = error.validationContext ?? "body";
  if (!first) return `${context} does not match the schema`;
  const field = `${context}${first.instancePath ?? ""}`;
  const pattern = first.keyword === "pattern" ? String(first.params?.pattern ?? "") : "";
  const words = PATTERN_WORDS[pattern] ?? first.message ?? "is not valid";
  return `${field} ${words}`.slice(0, 200);
}
