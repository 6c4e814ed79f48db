/**
 * The TTLS envelope (CONTRACT.md section 3), serialized here and only here (and beside it the
 * token endpoint's RFC 6749 body). int64 fields (redeemed_shop_id) are written as JSON numbers
 * with every digit, never through a double.
 */
import { randomBytes } from "node:crypto";
import type { Failure, Result } from "../core/result.js";
import {
  type CatalogueRow,
  catalogueRow,
  GENERIC,
  type GenericCode,
  type RowId,
} from "../domain/catalogue.js";
import { OAUTH_ERRORS, type TokenResult } from "./oauth.js";
import { parameterDetail } from "./parameter-detail.js";

/** A marker no input can forge: int64 values travel as marked strings until serialization. */
const MARK = `\u0000${randomBytes(8).toString("hex")}:`;
const MARK_PATTERN = new RegExp(`"${JSON.stringify(MARK).slice(1, -1).replace(/\\/g, "\\\\")}(-?\\d+)"`, "g");

/** An int64 (decimal string) that serializes as a JSON number. */
export function int64(value: string): string {
  return `${MARK}${value}`;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value).replace(MARK_PATTERN, "$1");
}

export interface Reply {
  readonly httpStatus: number;
  readonly body: string;
  readonly row: string;
}

export function successReply(data: Record<string, unknown>, logId: string): Reply {
  return {
    httpStatus: 200,
    row: "OK",
    body: toJson({ data, error: { code: "0", message: "success", log_id: logId } }),
  };
}

/** A row's `error`; (ext) `detail` only on parameter rows (gateway/parameter-detail.ts). */
export function rowError(row: CatalogueRow, logId: string, detail?: string) {
  return {
    code: row.code,
    message: row.message,
    log_id: logId,
    description: row.description,
    handling: row.handling,
    ...(detail !== undefined ? { detail } : {}),
  };
}

export function rowReply(
  rowId: RowId,
  logId: string,
  data: Record<string, unknown> = {},
  detail?: string,
): Reply {
  const row = catalogueRow(rowId);
  return {
    httpStatus: row.httpStatus,
    row: row.row,
    body: toJson({ data, error: rowError(row, logId, detail) }),
  };
}

export { GENERIC, type GenericCode } from "../domain/catalogue.js";

export function genericReply(code: GenericCode, logId: string, message?: string): Reply {
  const g = GENERIC[code];
  return {
    httpStatus: g.status,
    row: code,
    body: toJson({ data: {}, error: { code, message: message ?? g.message, log_id: logId } }),
  };
}

function isGeneric(row: string): row is GenericCode {
  return Object.hasOwn(GENERIC, row);
}

/** The envelope of a failure: its catalogue row, or its generic error (with its message, if any). */
export function failureReply(failure: Failure, logId: string): Reply {
  return isGeneric(failure.row)
    ? genericReply(failure.row, logId, failure.message)
    : rowReply(failure.row, logId, failure.data ?? {}, parameterDetail(failure.row, failure.cause));
}

/** An answer and the redemption it is about, for the request log (redeem_code, cancel_redeem). */
export type AboutRedemption<T> = Result<T> & { readonly redeemId?: string | undefined };

/** For a value that already is the wire's `data` (the SaaS endpoints answer in wire names). */
export const asData = <T extends Record<string, unknown>>(data: T): Record<string, unknown> => data;

/**
 * The one place an outcome becomes the envelope: success carries `data(value)`, a failure its
 * row. Every route answers through this (via http/send.ts `sendResult`).
 */
export function replyOf<T>(
  result: Result<T>,
  logId: string,
  data: (value: T) => Record<string, unknown>,
): Reply {
  return result.ok ? successReply(data(result.value), logId) : failureReply(result, logId);
}

/** The token endpoint's answer: the tokens, or RFC 6749's `{error, error_description}` (plus our log id). */
export function oauthReply(result: TokenResult, logId: string): Reply {
  if (result.ok) return { httpStatus: 200, row: "OK", body: toJson(result.value.tokens) };
  const e = OAUTH_ERRORS[result.row];
  return {
    httpStatus: e.status,
    row: result.row,
    body: toJson({ error: result.row, error_description: e.description, log_id: logId }),
  };
}
