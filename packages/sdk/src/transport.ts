/**
 * The authenticated POST every endpoint makes, and the in-place retry of what is safe to send
 * again. Answers are read by the wire module; what is not a success is thrown as its TtlsError.
 */
import { AuthError, errorOf, RateLimitedError, TransportError, TtlsError } from "./errors.js";
import { postOnce, sleep } from "./http.js";
import type { Policy, Settings } from "./options.js";
import type { TokenSource } from "./tokens.js";
import { classify } from "./wire/answer.js";
import type { Handling } from "./wire/catalogue.generated.js";
import { PATHS, type SaasEndpoint } from "./wire/paths.js";

export interface Success<T> {
  readonly data: T;
  readonly logId: string;
}

export interface Transport {
  readonly settings: Settings;
  /**
   * One authenticated POST. A 401 refreshes the token once (shared with every concurrent caller
   * that used the same token) and sends again; a second 401 is an AuthError.
   */
  send<T>(
    endpoint: SaasEndpoint,
    body: object,
    policy: Policy,
    headers?: Record<string, string>,
  ): Promise<Success<T>>;
  /**
   * `send`, retried in place for the given handlings, a 429 (after Retry-After), and, for calls
   * that only read (`retryTransport`), a transport failure.
   */
  withRetry<T>(
    endpoint: SaasEndpoint,
    body: object,
    policy: Policy,
    retryOn: readonly Handling[],
    retryTransport: boolean,
  ): Promise<Success<T>>;
  /** Full-jitter bounded backoff before attempt `attempt + 1`. */
  backoff(attempt: number, signal: AbortSignal | undefined): Promise<void>;
}

export function createTransport(settings: Settings, tokens: TokenSource): Transport {
  const backoff = (attempt: number, signal: AbortSignal | undefined) =>
    sleep(
      Math.floor(
        settings.random() * Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1)),
      ),
      signal,
    );

  async function send<T>(
    endpoint: SaasEndpoint,
    body: object,
    policy: Policy,
    extraHeaders: Record<string, string> = {},
  ): Promise<Success<T>> {
    let token = await tokens.get(policy.signal);
    for (let authTry = 0; ; authTry++) {
      const raw = await postOnce({
        url: settings.baseUrl + PATHS[endpoint],
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
        fetch: settings.fetch,
      });
      const answer = classify<T>(endpoint, raw);
      if (answer.ok) return { data: answer.data, logId: String(answer.logId) };
      const error = errorOf(endpoint, answer.failure);
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

  async function withRetry<T>(
    endpoint: SaasEndpoint,
    body: object,
    policy: Policy,
    retryOn: readonly Handling[],
    retryTransport: boolean,
  ): Promise<Success<T>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send<T>(endpoint, body, policy);
      } catch (err) {
        if (!(err instanceof TtlsError) || attempt >= policy.maxAttempts) throw err;
        if (err instanceof RateLimitedError) {
          if (err.retryAfterMs > settings.maxRetryAfterMs) throw err;
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

  return { settings, send, withRetry, backoff };
}
