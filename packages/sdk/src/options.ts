/** The client's options, and the settings and per-call policy they become. */

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

/** The options with their defaults applied. */
export interface Settings {
  readonly baseUrl: string;
  readonly merchantId: string;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxRetryAfterMs: number;
  readonly refreshSkewSeconds: number;
  readonly random: () => number;
  readonly fetch: typeof fetch;
  readonly now: () => number;
}

/** What one call may spend. */
export interface Policy {
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

export function settingsOf(options: ClientOptions): Settings {
  if (!options.baseUrl) throw new TypeError("createClient: baseUrl is required");
  if (!options.merchantId) throw new TypeError("createClient: merchantId is required");
  const fixed = options.accessToken !== undefined;
  if (!fixed && (!options.clientKey || !options.clientSecret))
    throw new TypeError("createClient: give clientKey and clientSecret, or accessToken");
  return {
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    merchantId: options.merchantId,
    timeoutMs: options.timeoutMs ?? 10_000,
    maxAttempts: Math.max(1, options.maxAttempts ?? 5),
    baseDelayMs: options.baseDelayMs ?? 100,
    maxDelayMs: options.maxDelayMs ?? 2_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
    refreshSkewSeconds: options.refreshSkewSeconds ?? 300,
    random: options.random ?? Math.random,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
  };
}

export function policyOf(settings: Settings, call: CallOptions): Policy {
  return {
    maxAttempts: Math.max(1, call.maxAttempts ?? settings.maxAttempts),
    timeoutMs: call.timeoutMs ?? settings.timeoutMs,
    signal: call.signal,
  };
}
