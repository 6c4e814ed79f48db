/**
 * Access tokens (CONTRACT.md section 2): obtained with the client credentials, refreshed ahead of
 * expiry with the rotating refresh token, one refresh at a time however many calls wait for it.
 */
import { AuthError } from "./errors.js";
import { postOnce, raceSignal } from "./http.js";
import { TOKEN_PATH } from "./wire/paths.js";
import type { TokenPair } from "./wire/types.js";

export { TOKEN_PATH } from "./wire/paths.js";

export interface TokenState {
  readonly accessToken: string;
  /** Absolute Unix seconds; null for a fixed token. */
  readonly expiresAt: number | null;
  readonly refreshToken: string | null;
  readonly refreshExpiresAt: number | null;
  /** When, by the SDK's clock, to refresh ahead of expiry; null = never ahead (wait for a 401). */
  readonly refreshAt: number | null;
}

export interface TokenSourceOptions {
  readonly baseUrl: string;
  readonly merchantId: string;
  readonly clientKey?: string | undefined;
  readonly clientSecret?: string | undefined;
  readonly accessToken?: string | undefined;
  readonly refreshSkewSeconds: number;
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly fetch: typeof fetch;
}

export interface TokenSource {
  /** A token to use now: the current one, or the (single, shared) refresh of it. */
  get(signal?: AbortSignal): Promise<TokenState>;
  /**
   * The server refused `used` (401). Refreshes once for everyone who used it; a caller whose
   * token was already replaced gets the replacement. Returns null when no refresh is possible.
   */
  renewAfterRejection(used: TokenState, signal?: AbortSignal): Promise<TokenState | null>;
}

export function createTokenSource(opts: TokenSourceOptions): TokenSource {
  if (opts.accessToken !== undefined) {
    const fixed: TokenState = {
      accessToken: opts.accessToken,
      expiresAt: null,
      refreshToken: null,
      refreshExpiresAt: null,
      refreshAt: null,
    };
    return { get: async () => fixed, renewAfterRejection: async () => null };
  }
  const clientKey = opts.clientKey as string;
  const clientSecret = opts.clientSecret as string;
  let current: TokenState | null = null;
  let inflight: Promise<TokenState> | null = null;

  async function exchange(form: Record<string, string>): Promise<TokenPair> {
    const answer = await postOnce({
      url: opts.baseUrl + TOKEN_PATH,
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({
        client_key: clientKey,
        client_secret: clientSecret,
        merchant_id: opts.merchantId,
        ...form,
      }).toString(),
      // The refresh is shared: one caller giving up must not abort it for the others.
      signal: undefined,
      timeoutMs: opts.timeoutMs,
      endpoint: "token",
      fetch: opts.fetch,
    });
    const j = answer.json;
    if (answer.status === 200 && typeof j.access_token === "string") return j as TokenPair;
    const code = typeof j.error === "string" ? j.error : `http_${answer.status}`;
    throw new AuthError({
      row: null,
      code,
      message: code,
      description: typeof j.error_description === "string" ? j.error_description : "token request refused",
      logId: typeof j.log_id === "string" ? j.log_id : answer.headers.get("x-tt-logid"),
      handling: "none",
      httpStatus: answer.status,
      data: {},
      endpoint: "token",
    });
  }

  async function obtain(previous: TokenState | null): Promise<TokenState> {
    const now = opts.now();
    let pair: TokenPair | null = null;
    if (previous?.refreshToken && (previous.refreshExpiresAt ?? 0) > now) {
      try {
        pair = await exchange({ grant_type: "refresh_token", refresh_token: previous.refreshToken });
      } catch (err) {
        // A refresh token that is expired, revoked or rotated: start over with the credentials.
        if (!(err instanceof AuthError && err.code === "invalid_grant")) throw err;
      }
    }
    pair ??= await exchange({ grant_type: "access_token" });
    const issuedAt = opts.now();
    const lifetime = pair.expires_in - issuedAt;
    // A token that looks expired on arrival means our clock and the server's disagree: use it
    // until the server says otherwise instead of refreshing on every call.
    const refreshAt =
      lifetime > 0 ? pair.expires_in - Math.min(opts.refreshSkewSeconds, Math.floor(lifetime / 2)) : null;
    return {
      accessToken: pair.access_token,
      expiresAt: pair.expires_in,
      refreshToken: pair.refresh_token,
      refreshExpiresAt: pair.refresh_expires_in,
      refreshAt,
    };
  }

  function renew(stale: TokenState | null): Promise<TokenState> {
    if (current !== stale && current !== null) return Promise.resolve(current);
    if (!inflight) {
      inflight = obtain(stale)
        .then((state) => {
          current = state;
          return state;
        })
        .finally(() => {
          inflight = null;
        });
    }
    return inflight;
  }

  return {
    async get(signal) {
      const state = current;
      if (state && (state.refreshAt === null || opts.now() < state.refreshAt)) return state;
      return raceSignal(renew(state), signal);
    },
    async renewAfterRejection(used, signal) {
      return raceSignal(renew(used), signal);
    },
  };
}
