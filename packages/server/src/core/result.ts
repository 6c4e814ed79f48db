/**
 * Expected business failures are values, not exceptions (as in Vendure): a use case returns
 * the catalogue row it ends on. Exceptions are for the unexpected only.
 */
import type { RowId } from "../domain/catalogue.js";

export type Failure = { readonly ok: false; readonly row: RowId; readonly cause: string };
export type Success<T> = { readonly ok: true; readonly value: T };
export type Result<T> = Success<T> | Failure;

export const ok = <T>(value: T): Success<T> => ({ ok: true, value });
export const fail = (row: RowId, cause: string): Failure => ({ ok: false, row, cause });

/** A short description of an unexpected error, for the request log (never a stack trace). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 500);
  return String(err).slice(0, 500);
}
