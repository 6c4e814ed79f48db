/**
 * An answer's row in words, as the operator's reads show it (a logged request, an audit entry):
 * the catalogue's code and message, or the generic error's, with the HTTP status.
 */
import { findRow, GENERIC } from "../domain/catalogue.js";

export function answerRowView(row: string, httpStatus: number) {
  const found = findRow(row);
  const generic = (GENERIC as Record<string, { message: string } | undefined>)[row];
  return {
    row,
    code: found?.code ?? (row === "OK" ? "0" : row),
    message: found?.message ?? generic?.message ?? (row === "OK" ? "success" : row),
    http_status: httpStatus,
  };
}
