/**
 * The TTLS envelope (CONTRACT.md section 3), serialized here and only here. int64 fields
 * (redeemed_shop_id) are written as JSON numbers with every digit, never through a double.
 */
import { randomBytes } from "node:crypto";
import { type CatalogueRow, catalogueRow, type RowId } from "../domain/catalogue.js";

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

export function rowError(row: CatalogueRow, logId: string) {
  return {
    code: row.code,
    message: row.message,
    log_id: logId,
    description: row.description,
    handling: row.handling,
  };
}

export function rowReply(rowId: RowId, logId: string, data: Record<string, unknown> = {}): Reply {
  const row = catalogueRow(rowId);
  return { httpStatus: row.httpStatus, row: row.row, body: toJson({ data, error: rowError(row, logId) }) };
}

/** The generic v2 errors of TTLS (string codes). */
export const GENERIC = {
  access_token_invalid: { status: 401, message: "The access token is invalid or has expired." },
  rate_limit_exceeded: { status: 429, message: "Too many requests; retry after the Retry-After delay." },
  internal_error: { status: 500, message: "An unexpected error happened; contact support with the log id." },
  service_unavailable: { status: 503, message: "The service cannot reach its database; retry shortly." },
  not_found: { status: 404, message: "No such resource." },
  invalid_params: { status: 400, message: "The request is malformed." },
  scope_not_authorized: { status: 401, message: "The token is not allowed to call this endpoint." },
} as const;

export type GenericCode = keyof typeof GENERIC;

export function genericReply(code: GenericCode, logId: string, message?: string): Reply {
  const g = GENERIC[code];
  return {
    httpStatus: g.status,
    row: code,
    body: toJson({ data: {}, error: { code, message: message ?? g.message, log_id: logId } }),
  };
}
