/**
 * What an answer means (CONTRACT.md sections 1 and 3): a success, an error with its catalogue
 * row and handling class, a generic error (401, 429, 5xx), or no answer at all. Every client
 * classifies through here, so the SDK and the POS read one answer the same way.
 */
import type { Handling } from "./catalogue.generated.js";
import { findRow } from "./catalogue.js";
import { type Exchange, type NoAnswer, retryAfterMs } from "./exchange.js";
import type { Endpoint } from "./paths.js";

/** What every error answer carries. */
export interface ErrorAnswer {
  /** The catalogue row (`G13`, `R18`, …), or null for a generic error code. */
  readonly row: string | null;
  /** `error.code`: a catalogue code (`"-3000102"`) or a generic one (`"access_token_invalid"`). */
  readonly code: string;
  /** `error.message`: the symbolic name of the cause (`"FulfillVoucherAlreadyUsed"`). */
  readonly message: string;
  /** `error.description`, else the catalogue's, else the message. */
  readonly description: string;
  readonly logId: string | null;
  readonly httpStatus: number;
  /** The envelope's `data` (always an object; a refresh_qr row carries the order's spent codes). */
  readonly data: Record<string, unknown>;
  readonly handling: Handling;
}

export type Failure =
  /** No answer (see NoAnswer): for a redeem the outcome is unknown (`recheck`), else `retry`. */
  | (Omit<NoAnswer, "kind"> & { readonly kind: "network"; readonly handling: Handling })
  /** HTTP 401 `access_token_invalid`: the token is unknown, expired or revoked. */
  | (ErrorAnswer & { readonly kind: "unauthorized" })
  /** HTTP 429: nothing ran; send again after `retryAfterMs`. */
  | (ErrorAnswer & { readonly kind: "busy"; readonly retryAfterMs: number })
  /** Any other error: a catalogue row, or a generic code (`row` null). */
  | (ErrorAnswer & { readonly kind: "row" });

export type Answer<T> =
  | { readonly ok: true; readonly data: T; readonly logId: string | null }
  | { readonly ok: false; readonly failure: Failure };

const HANDLINGS: ReadonlySet<unknown> = new Set(["retry", "recheck", "rescan", "refresh_qr", "none"]);

/** What no answer means for this endpoint: a redeem may have happened. */
export function noAnswerHandling(endpoint: Endpoint | null): Handling {
  return endpoint === "redeem" ? "recheck" : "retry";
}

/**
 * Reads one exchange of an enveloped endpoint (`endpoint` null for one outside the catalogue,
 * e.g. the POS's pairing). A JSON body without the envelope's `error` object did not come from
 * the server (a proxy's page): it counts as no answer.
 */
export function classify<T>(endpoint: Endpoint | null, exchange: Exchange): Answer<T> {
  if (exchange.kind === "none") return { ok: false, failure: networkFailure(endpoint, exchange) };
  const { status, headers, json } = exchange;
  const err = json.error;
  if (!err || typeof err !== "object") {
    const description = `HTTP ${status} without the envelope's error object`;
    const logId = headers.get("x-tt-logid");
    const none: NoAnswer = {
      kind: "none",
      message: "TransportInvalidAnswer",
      description,
      timedOut: false,
      httpStatus: status,
      logId,
    };
    return { ok: false, failure: networkFailure(endpoint, none) };
  }
  const logId = typeof err.log_id === "string" ? err.log_id : headers.get("x-tt-logid");
  const code = err.code !== undefined ? String(err.code) : `http_${status}`;
  if (status === 200 && code === "0") return { ok: true, data: (json.data ?? {}) as T, logId };
  const message = typeof err.message === "string" ? err.message : code;
  const wireDescription = typeof err.description === "string" ? err.description : undefined;
  const row = endpoint ? findRow(endpoint, code, message, wireDescription) : undefined;
  const base = {
    row: row?.row ?? null,
    code,
    message,
    description: wireDescription ?? row?.description ?? message,
    logId,
    httpStatus: status,
    data: json.data && typeof json.data === "object" ? (json.data as Record<string, unknown>) : {},
  };
  if (status === 429 || code === "rate_limit_exceeded") {
    const wait = retryAfterMs(headers.get("retry-after"), 1_000);
    return { ok: false, failure: { ...base, kind: "busy", handling: "retry", retryAfterMs: wait } };
  }
  if (status === 401 || code === "access_token_invalid")
    return { ok: false, failure: { ...base, kind: "unauthorized", handling: "none" } };
  let handling: Handling;
  if (HANDLINGS.has(err.handling)) handling = err.handling as Handling;
  else if (row) handling = row.handling;
  // A generic 5xx (internal_error, service_unavailable) may pass on a second try; a redeem's may have run.
  else if (status >= 500) handling = noAnswerHandling(endpoint);
  else handling = "none";
  return { ok: false, failure: { ...base, kind: "row", handling } };
}

function networkFailure(endpoint: Endpoint | null, none: NoAnswer): Failure {
  const { kind: _, ...rest } = none;
  return { ...rest, kind: "network", handling: noAnswerHandling(endpoint) };
}

/** Whether the same request may pass later: no answer, a 429, or handling `retry` / `recheck`. */
export function isTransient(failure: Failure): boolean {
  return failure.kind !== "unauthorized" && (failure.handling === "retry" || failure.handling === "recheck");
}
