/**
 * The client: tokens, the SaaS endpoints, and the handling classes of CONTRACT.md section 3 as
 * policy. `retry` retries in place with full-jitter bounded backoff; a 429 waits for Retry-After;
 * `recheck` (and a redeem whose answer never came) re-runs the lookup and reconciles; `rescan`,
 * `refresh_qr` and `none` are thrown at once as their own error classes.
 */
import type { Handling } from "./catalogue.generated.js";
import { findRow } from "./catalogue.js";
import {
  AuthError,
  type Endpoint,
  ERROR_CLASS_BY_HANDLING,
  RateLimitedError,
  TransportError,
  TtlsError,
} from "./errors.js";
import { postOnce, type RawAnswer, retryAfterMs, sleep } from "./http.js";
import { createTokenSource, type TokenSource } from "./tokens.js";
import { type CodeItem, type RedeemRecord, RedemptionSource, RedemptionStatus } from "./types.js";

export const PATHS = {
  query: "/v2/localservice/saas/fulfill/get_code_item_list/",
  redeem: "/v2/localservice/saas/fulfill/redeem_code/",
  cancel: "/v2/localservice/saas/fulfill/cancel_redeem/",
  records: "/v2/localservice/saas/fulfill/query_redeem_record/",
} as const;

interface CommonOptions {
  /** e.g. `https://fulfill.example.com` (no trailing path). */
  baseUrl: string;
  /** The merchant that authorized the app; sent as `merchant_id` in every body. */
  merchantId: string;
  /** Per HTTP attempt, in ms (default 10 000). The whole call is bounded by `signal`. */
  timeoutMs?: number;
  /** HTTP attempts per call for retry, 429 and recheck (default 5). */
  maxAttempts?: number;
  /** Backoff: full jitter, `random() * min(maxDelayMs, baseDelayMs * 2^(attempt-1))` (defaults 100, 2000). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A 429 whose Retry-After is longer than this is thrown at once (default 30 000 ms). */
  maxRetryAfterMs?: number;
  /** Refresh this many seconds before the access token expires (default 300, at most half its lifetime). */
  refreshSkewSeconds?: number;
  /** The clock for token expiry decisions, Unix seconds (default: the system clock). */
  now?: () => number;
  /** A fetch implementation (default: Node's global fetch). */
  fetch?: typeof fetch;
  /** Random source in [0, 1) for the backoff jitter (default Math.random). */
  random?: () => number;
}

/** A SaaS app: tokens are obtained and refreshed by the client. */
export interface CredentialsOptions extends CommonOptions {
  clientKey: string;
  clientSecret: string;
  accessToken?: undefined;
}

/** A fixed bearer token (e.g. a POS device token): never refreshed; a 401 throws AuthError. */
export interface FixedTokenOptions extends CommonOptions {
  accessToken: string;
  clientKey?: undefined;
  clientSecret?: undefined;
}

export type ClientOptions = CredentialsOptions | FixedTokenOptions;

export interface CallOptions {
  /** Aborts the call (including its retries, backoff waits and rechecks) with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout for this call. */
  timeoutMs?: number;
  /** Overrides the client's maxAttempts for this call. */
  maxAttempts?: number;
}

export type LookupParams = CallOptions & {
  thirdShopId: string;
  /** BCP 47, e.g. `id-ID` (default `en-US`). */
  locale?: string;
} & ({ codes: string[]; qrInfo?: undefined } | { qrInfo: string; codes?: undefined });

export interface LookupResult {
  shopOrderId: string;
  codeList: CodeItem[];
  logId: string;
}

export interface RedeemParams extends CallOptions {
  thirdShopId: string;
  shopOrderId: string;
  codes: string[];
  /** BCP 47 (default `en-US`). */
  locale?: string;
  /** Reuse a key you persisted (e.g. across a restart); default: a new UUID per redeem call. */
  idempotencyKey?: string;
}

export interface RedeemResult {
  /** The redemption of the requested codes (the original one when the answer was lost and reconciled). */
  redeemId: string;
  /** code → redeem id; more than one id only when some codes were redeemed by another redemption. */
  redeemIds: Record<string, string>;
  /** True when the outcome was established (in part) by a recheck lookup rather than a redeem answer. */
  reconciled: boolean;
  /** The Idempotency-Key sent with every attempt of this redeem. */
  idempotencyKey: string;
  /** redeem_code HTTP attempts made. */
  attempts: number;
  /** Log id of the answer that settled the outcome (a redeem or the recheck lookup). */
  logId: string | null;
}

export interface CancelParams extends CallOptions {
  thirdShopId: string;
  redeemId: string;
  locale?: string;
}

export interface CancelResult {
  redeemId: string;
  cancelTime: number;
  logId: string;
}

export interface RecordsParams extends CallOptions {
  /** Only this shop's redemptions (default: all of the merchant's). */
  thirdShopId?: string;
  /** Unix seconds: redeem_time in [startTime, endTime) (end exclusive). */
  startTime: number;
  endTime: number;
  /** `"0"` (default) for the first page, then the `cursor` of the previous page. */
  cursor?: string;
  /** 1..100 (default 50). */
  size?: number;
}

export interface RecordsResult {
  records: RedeemRecord[];
  cursor: string;
  hasMore: boolean;
  logId: string;
}

export interface FulfillClient {
  /** get_code_item_list by typed codes or a scanned QR. */
  lookup(params: LookupParams): Promise<LookupResult>;
  /** redeem_code, all codes or none, with an Idempotency-Key kept across retries and rechecks. */
  redeem(params: RedeemParams): Promise<RedeemResult>;
  /** (ext) cancel_redeem within the cancel window. */
  cancel(params: CancelParams): Promise<CancelResult>;
  /** (ext) query_redeem_record, newest first, one page. */
  records(params: RecordsParams): Promise<RecordsResult>;
  /** The current access token (obtaining or refreshing it if needed). */
  accessToken(signal?: AbortSignal): Promise<string>;
}

interface Success {
  data: Record<string, unknown>;
  logId: string;
}

interface Policy {
  maxAttempts: number;
  timeoutMs: number;
  signal: AbortSignal | undefined;
}

export function createClient(options: ClientOptions): FulfillClient {
  if (!options.baseUrl) throw new TypeError("createClient: baseUrl is required");
  if (!options.merchantId) throw new TypeError("createClient: merchantId is required");
  const fixed = options.accessToken !== undefined;
  if (!fixed && (!options.clientKey || !options.clientSecret))
    throw new TypeError("createClient: give clientKey and clientSecret, or accessToken");
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const merchantId = options.merchantId;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 2_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  const random = options.random ?? Math.random;
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));

  const tokens: TokenSource = createTokenSource({
    baseUrl,
    merchantId,
    clientKey: options.clientKey,
    clientSecret: options.clientSecret,
    accessToken: options.accessToken,
    refreshSkewSeconds: options.refreshSkewSeconds ?? 300,
    timeoutMs,
    now,
    fetch: fetchImpl,
  });

  const policyOf = (call: CallOptions): Policy => ({
    maxAttempts: Math.max(1, call.maxAttempts ?? maxAttempts),
    timeoutMs: call.timeoutMs ?? timeoutMs,
    signal: call.signal,
  });

  const backoff = (attempt: number, signal: AbortSignal | undefined) =>
    sleep(Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))), signal);

  /** The typed error an answer carries, or null for a success envelope. */
  function errorOf(endpoint: Endpoint, answer: RawAnswer): TtlsError | null {
    const err = answer.json.error;
    const logId =
      (err && typeof err === "object" && typeof err.log_id === "string" ? err.log_id : null) ??
      answer.headers.get("x-tt-logid");
    if (answer.status === 200 && err && typeof err === "object" && err.code === "0") return null;
    const data =
      answer.json.data && typeof answer.json.data === "object"
        ? (answer.json.data as Record<string, unknown>)
        : {};
    const code =
      err && typeof err === "object" && err.code !== undefined ? String(err.code) : `http_${answer.status}`;
    const message = err && typeof err === "object" && typeof err.message === "string" ? err.message : code;
    const wireDescription =
      err && typeof err === "object" && typeof err.description === "string" ? err.description : undefined;
    const wireHandling = err && typeof err === "object" ? (err.handling as Handling | undefined) : undefined;
    const row = findRow(endpoint, code, message, wireDescription);
    const base = {
      row: row?.row ?? null,
      code,
      message,
      description: wireDescription ?? row?.description ?? message,
      logId,
      httpStatus: answer.status,
      data,
      endpoint,
    };
    if (answer.status === 429 || code === "rate_limit_exceeded") {
      return new RateLimitedError({
        ...base,
        handling: "retry",
        retryAfterMs: retryAfterMs(answer.headers.get("retry-after"), 1_000),
      });
    }
    if (answer.status === 401 || code === "access_token_invalid") {
      return new AuthError({ ...base, handling: "none" });
    }
    let handling: Handling;
    if (wireHandling && wireHandling in ERROR_CLASS_BY_HANDLING) handling = wireHandling;
    else if (row) handling = row.handling;
    else if (answer.status >= 500) handling = endpoint === "redeem" ? "recheck" : "retry";
    else handling = "none";
    return new ERROR_CLASS_BY_HANDLING[handling]({ ...base, handling });
  }

  /**
   * One authenticated POST. A 401 refreshes the token once (shared with every concurrent caller
   * that used the same token) and sends again; a second 401 is an AuthError.
   */
  async function send(
    endpoint: Exclude<Endpoint, "token">,
    body: Record<string, unknown>,
    policy: Policy,
    extraHeaders: Record<string, string> = {},
  ): Promise<Success> {
    let token = await tokens.get(policy.signal);
    for (let authTry = 0; ; authTry++) {
      const answer = await postOnce({
        url: baseUrl + PATHS[endpoint],
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          authorization: `Bearer ${token.accessToken}`,
          ...extraHeaders,
        },
        body: JSON.stringify(body),
        signal: policy.signal,
        timeoutMs: policy.timeoutMs,
        endpoint,
        fetch: fetchImpl,
      });
      const error = errorOf(endpoint, answer);
      if (!error)
        return {
          data: (answer.json.data ?? {}) as Record<string, unknown>,
          logId: String(answer.json.error.log_id),
        };
      if (error instanceof AuthError && authTry === 0) {
        const renewed = await tokens.renewAfterRejection(token, policy.signal);
        if (renewed) {
          token = renewed;
          continue;
        }
      }
      throw error;
    }
  }

  /**
   * Retries in place what is safe to send again: the given handlings, a 429 (after Retry-After),
   * and, for calls that only read, a transport failure.
   */
  async function withRetry(
    endpoint: Exclude<Endpoint, "token">,
    body: Record<string, unknown>,
    policy: Policy,
    retryOn: readonly Handling[],
    retryTransport: boolean,
  ): Promise<Success> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send(endpoint, body, policy);
      } catch (err) {
        if (!(err instanceof TtlsError) || attempt >= policy.maxAttempts) throw err;
        if (err instanceof RateLimitedError) {
          if (err.retryAfterMs > maxRetryAfterMs) throw err;
          await sleep(err.retryAfterMs, policy.signal);
          continue;
        }
        const again =
          err instanceof TransportError
            ? retryTransport || err.endpoint === "token" // a failed token exchange sent nothing yet
            : !(err instanceof AuthError) && retryOn.includes(err.handling);
        if (again) {
          await backoff(attempt, policy.signal);
          continue;
        }
        throw err;
      }
    }
  }

  async function lookup(params: LookupParams): Promise<LookupResult> {
    const hasCodes = params.codes !== undefined;
    if (hasCodes === (params.qrInfo !== undefined))
      throw new TypeError("lookup: give exactly one of codes and qrInfo");
    const body: Record<string, unknown> = {
      merchant_id: merchantId,
      third_shop_id: params.thirdShopId,
      ...(hasCodes ? { code_list: params.codes } : { qr_info: params.qrInfo }),
      locale: params.locale ?? "en-US",
    };
    // A lookup only reads: a recheck row (none exist today) is as safe to repeat as a retry row.
    const { data, logId } = await withRetry("query", body, policyOf(params), ["retry", "recheck"], true);
    return {
      shopOrderId: String(data.shop_order_id ?? ""),
      codeList: (Array.isArray(data.code_list) ? data.code_list : []) as CodeItem[],
      logId,
    };
  }

  /** What the lookup says about codes a redeem was sent for. */
  function reconcile(
    params: RedeemParams,
    found: LookupResult,
  ): { redeemed: Record<string, string>; redeemable: string[]; blocked: string[] } {
    const byCode = new Map(found.codeList.map((i) => [i.code, i]));
    const redeemed: Record<string, string> = {};
    const redeemable: string[] = [];
    const blocked: string[] = [];
    for (const code of params.codes) {
      const item = byCode.get(code);
      if (!item || found.shopOrderId !== params.shopOrderId) blocked.push(code);
      else if (
        item.redemption_status === RedemptionStatus.FINISH &&
        item.redeem_id &&
        item.redeemed_third_shop_id === params.thirdShopId &&
        item.redemption_source === RedemptionSource.SAAS
      )
        redeemed[code] = item.redeem_id;
      else if (item.redemption_status === RedemptionStatus.WAIT_FULFILL) redeemable.push(code);
      else blocked.push(code);
    }
    return { redeemed, redeemable, blocked };
  }

  async function redeem(params: RedeemParams): Promise<RedeemResult> {
    if (params.codes.length === 0) throw new TypeError("redeem: codes must not be empty");
    const policy = policyOf(params);
    const idempotencyKey = params.idempotencyKey ?? globalThis.crypto.randomUUID();
    const locale = params.locale ?? "en-US";
    const redeemIds: Record<string, string> = {};
    let pending = [...params.codes];
    let reconciled = false;
    let ownRedeemId: string | null = null;
    let attempts = 0;

    const result = (logId: string | null): RedeemResult => {
      const ids = [...new Set(params.codes.map((c) => redeemIds[c] as string))];
      return {
        // One id for all codes (the usual case); else ours, if this call redeemed some of them.
        redeemId: ids.length === 1 ? (ids[0] as string) : (ownRedeemId ?? (ids[0] as string)),
        redeemIds,
        reconciled,
        idempotencyKey,
        attempts,
        logId,
      };
    };

    for (;;) {
      attempts += 1;
      let failure: TtlsError;
      try {
        const { data, logId } = await send(
          "redeem",
          {
            merchant_id: merchantId,
            third_shop_id: params.thirdShopId,
            shop_order_id: params.shopOrderId,
            code_list: pending,
            locale,
          },
          policy,
          { "idempotency-key": idempotencyKey },
        );
        ownRedeemId = String(data.redeem_id);
        for (const code of pending) redeemIds[code] = ownRedeemId;
        return result(logId);
      } catch (err) {
        if (!(err instanceof TtlsError)) throw err;
        failure = err;
      }
      if (failure instanceof RateLimitedError) {
        // Refused before anything ran: send again after the wait, same key.
        if (attempts >= policy.maxAttempts || failure.retryAfterMs > maxRetryAfterMs) throw failure;
        await sleep(failure.retryAfterMs, policy.signal);
        continue;
      }
      if (failure instanceof AuthError) throw failure;
      if (failure instanceof TransportError && failure.endpoint === "token") {
        // The token exchange failed: the redeem was never sent, so it is safe to send again.
        if (attempts >= policy.maxAttempts) throw failure;
        await backoff(attempts, policy.signal);
        continue;
      }
      if (failure.handling === "retry" && !(failure instanceof TransportError)) {
        if (attempts >= policy.maxAttempts) throw failure;
        await backoff(attempts, policy.signal);
        continue;
      }
      if (failure.handling !== "recheck") throw failure;

      // recheck, or no answer: the redeem may have happened. Look, then decide.
      const found = await lookup({
        thirdShopId: params.thirdShopId,
        codes: params.codes,
        locale,
        ...(policy.signal ? { signal: policy.signal } : {}),
        timeoutMs: policy.timeoutMs,
        maxAttempts: policy.maxAttempts,
      });
      const state = reconcile(params, found);
      for (const [code, id] of Object.entries(state.redeemed)) {
        if (redeemIds[code] === undefined) reconciled = true;
        redeemIds[code] = id;
      }
      if (state.blocked.length > 0) throw failure;
      if (state.redeemable.length === 0) {
        reconciled = true;
        return result(found.logId);
      }
      if (attempts >= policy.maxAttempts) throw failure;
      pending = state.redeemable;
      await backoff(attempts, policy.signal);
    }
  }

  async function cancel(params: CancelParams): Promise<CancelResult> {
    const { data, logId } = await withRetry(
      "cancel",
      {
        merchant_id: merchantId,
        third_shop_id: params.thirdShopId,
        redeem_id: params.redeemId,
        locale: params.locale ?? "en-US",
      },
      policyOf(params),
      ["retry"],
      // A cancel whose answer was lost may have happened: the caller decides (see records()).
      false,
    );
    return { redeemId: String(data.redeem_id), cancelTime: Number(data.cancel_time), logId };
  }

  async function records(params: RecordsParams): Promise<RecordsResult> {
    const { data, logId } = await withRetry(
      "records",
      {
        merchant_id: merchantId,
        ...(params.thirdShopId !== undefined ? { third_shop_id: params.thirdShopId } : {}),
        start_time: params.startTime,
        end_time: params.endTime,
        cursor: params.cursor ?? "0",
        size: params.size ?? 50,
      },
      policyOf(params),
      ["retry", "recheck"],
      true,
    );
    return {
      records: (Array.isArray(data.records) ? data.records : []) as RedeemRecord[],
      cursor: String(data.cursor ?? "0"),
      hasMore: data.has_more === true,
      logId,
    };
  }

  return {
    lookup,
    redeem,
    cancel,
    records,
    accessToken: async (signal) => (await tokens.get(signal)).accessToken,
  };
}
