/**
 * Expected business outcomes are values, not exceptions (as in Vendure): a use case returns a
 * `Result`, whose failure names the answer it ends on (a catalogue row, or a generic error of
 * the envelope) and the cause for the request log. This is the one outcome type of core and
 * gateway; exceptions are for the unexpected only.
 */
import type { AnswerRow } from "../domain/catalogue.js";

export interface Failure<Row extends string = AnswerRow> {
  readonly ok: false;
  /** What the answer ends on: a catalogue row or generic error (the OAuth endpoint: its RFC 6749 error). */
  readonly row: Row;
  /** For the request log and support (never sent to the caller). */
  readonly cause: string;
  /** A generic error's message, when it says more than the generic one. */
  readonly message?: string;
  /** A row's `data` (most rows answer `{}`). */
  readonly data?: Record<string, unknown>;
  /** Seconds for a Retry-After header (a rate limit, budget or throttle said wait). */
  readonly retryAfterSeconds?: number;
}
export type Success<T> = { readonly ok: true; readonly value: T };
export type Result<T, Row extends string = AnswerRow> = Success<T> | Failure<Row>;

export const ok = <T>(value: T): Success<T> => ({ ok: true, value });
export const fail = <Row extends string = AnswerRow>(
  row: NoInfer<Row>,
  cause: string,
  extra: Omit<Failure, "ok" | "row" | "cause"> = {},
): Failure<Row> => ({
  ok: false,
  row,
  cause,
  ...extra,
});

/**
 * Leaves a use case early with an expected failure, from deep inside its stages or its
 * transaction (a throw rolls the transaction back). The one control-flow exception of the core:
 * thrown by `stop`, turned back into its failure by `stopped` where the use case returns.
 */
export class Stop extends Error {
  override name = "Stop";
  constructor(readonly failure: Failure<string>) {
    super(failure.cause);
  }
}

/** Ends the use case (and rolls back its transaction) with this failure. */
export function stop<Row extends string = AnswerRow>(
  row: NoInfer<Row>,
  cause: string,
  extra: Omit<Failure, "ok" | "row" | "cause"> = {},
): never {
  throw new Stop(fail<Row>(row, cause, extra));
}

/** The failure a `stop` ended on, or null when the error is anything else. */
export function stopped<Row extends string = AnswerRow>(err: unknown): Failure<Row> | null {
  return err instanceof Stop ? (err.failure as Failure<Row>) : null;
}

/** A short description of an unexpected error, for the request log (never a stack trace). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 500);
  return String(err).slice(0, 500);
}
