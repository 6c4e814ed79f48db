/**
 * Typed errors. Every error the SDK throws for an answer of the server is a `TtlsError` carrying
 * the catalogue row, code, message, log id and handling; its class says what to do about it.
 */
import type { Failure } from "./wire/answer.js";
import type { Handling } from "./wire/catalogue.generated.js";
import type { Endpoint } from "./wire/paths.js";
import type { CodeItem } from "./wire/types.js";

export type { Endpoint } from "./wire/paths.js";

export interface TtlsErrorInit {
  /** The catalogue row (`G13`, `R18`, …), or null for a generic or transport error. */
  row: string | null;
  /** `error.code`: a catalogue code (`"-3000102"`), a generic code (`"access_token_invalid"`), or `"transport_error"`. */
  code: string;
  /** `error.message`: the symbolic name of the cause (`"FulfillVoucherAlreadyUsed"`). */
  message: string;
  /** `error.description` (one human sentence), or the catalogue's when the answer had none. */
  description: string;
  logId: string | null;
  handling: Handling;
  /** 0 when no HTTP answer arrived. */
  httpStatus: number;
  /** The envelope's `data` (always an object; some rows carry data, see RefreshQrError). */
  data: Record<string, unknown>;
  endpoint: Endpoint;
  cause?: unknown;
}

export class TtlsError extends Error {
  readonly row: string | null;
  readonly code: string;
  readonly description: string;
  readonly logId: string | null;
  readonly handling: Handling;
  readonly httpStatus: number;
  readonly data: Record<string, unknown>;
  readonly endpoint: Endpoint;

  constructor(init: TtlsErrorInit) {
    super(init.message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.name = new.target.name;
    this.row = init.row;
    this.code = init.code;
    this.description = init.description;
    this.logId = init.logId;
    this.handling = init.handling;
    this.httpStatus = init.httpStatus;
    this.data = init.data;
    this.endpoint = init.endpoint;
  }
}

/** Handling `retry`: a transient dependency failure. The SDK already retried it `maxAttempts` times. */
export class RetryableError extends TtlsError {}

/**
 * Handling `recheck`: the redeem may or may not have happened. The SDK already re-ran the lookup
 * and reconciled; this is thrown when reconciling could not finish (attempts exhausted, or a code
 * is in a state that is neither redeemed here nor redeemable).
 */
export class RecheckError extends TtlsError {}

/**
 * A redeem that ran out of attempts, whose last answer (the recheck lookup after its last
 * failed attempt) shows the codes in `redeemable` not redeemed and still WAIT_FULFILL: nothing
 * (more) was redeemed, and the same redeem may be sent again. `cause` is that last attempt's
 * error (e.g. a TransportError: no answer); `redeemIds` what was redeemed anyway.
 */
export class NotRedeemedError extends TtlsError {
  readonly redeemable: string[];
  readonly redeemIds: Record<string, string>;
  constructor(init: TtlsErrorInit & { redeemable: string[]; redeemIds: Record<string, string> }) {
    super(init);
    this.redeemable = init.redeemable;
    this.redeemIds = init.redeemIds;
  }
}

/** Handling `rescan`: the scanned QR string is unreadable. Scan again; if it keeps failing, ask for a refreshed QR. */
export class RescanError extends TtlsError {}

/**
 * Handling `refresh_qr`: the QR is spent or past its lifetime; ask the customer to refresh it.
 * `codeList` holds the order's codes in FINISH or after-sale status (empty when none).
 */
export class RefreshQrError extends TtlsError {
  get codeList(): CodeItem[] {
    const list = (this.data as { code_list?: unknown }).code_list;
    return Array.isArray(list) ? (list as CodeItem[]) : [];
  }
  get shopOrderId(): string | null {
    const id = (this.data as { shop_order_id?: unknown }).shop_order_id;
    return typeof id === "string" ? id : null;
  }
}

/** Handling `none`: will not succeed by retrying; fix the request or stop. Thrown at once. */
export class FinalError extends TtlsError {}

/** HTTP 429 after the SDK waited for `Retry-After` as often as it was allowed to. */
export class RateLimitedError extends TtlsError {
  readonly retryAfterMs: number;
  constructor(init: TtlsErrorInit & { retryAfterMs: number }) {
    super(init);
    this.retryAfterMs = init.retryAfterMs;
  }
}

/**
 * The token was refused: an OAuth error of `/merchant/oauth/token/` (`code` is the OAuth error,
 * e.g. `invalid_client`), or a 401 `access_token_invalid` that a refresh did not cure.
 */
export class AuthError extends TtlsError {}

/**
 * No (usable) answer: the connection failed, was cut, the answer was not JSON, or the per-attempt
 * timeout passed (`timedOut`). For a redeem this is ambiguous; the SDK rechecks before it gives up.
 */
export class TransportError extends TtlsError {
  readonly timedOut: boolean;
  constructor(init: TtlsErrorInit & { timedOut: boolean }) {
    super(init);
    this.timedOut = init.timedOut;
  }
}

export const ERROR_CLASS_BY_HANDLING = {
  retry: RetryableError,
  recheck: RecheckError,
  rescan: RescanError,
  refresh_qr: RefreshQrError,
  none: FinalError,
} as const;

/** The error to throw for a failure the wire module classified. */
export function errorOf(endpoint: Endpoint, failure: Failure): TtlsError {
  if (failure.kind === "network") {
    const { kind: _, handling, message, description, timedOut, httpStatus, logId, cause } = failure;
    return new TransportError({
      row: null,
      code: "transport_error",
      message,
      description,
      logId,
      handling,
      httpStatus,
      data: {},
      endpoint,
      timedOut,
      ...(cause !== undefined ? { cause } : {}),
    });
  }
  const { row, code, message, description, logId, httpStatus, data, handling } = failure;
  const init = { row, code, message, description, logId, httpStatus, data, handling, endpoint };
  if (failure.kind === "busy") return new RateLimitedError({ ...init, retryAfterMs: failure.retryAfterMs });
  if (failure.kind === "unauthorized") return new AuthError(init);
  return new ERROR_CLASS_BY_HANDLING[handling](init);
}
