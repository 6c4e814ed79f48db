/** One HTTP attempt: fetch with the caller's AbortSignal and a per-attempt timeout, lossless JSON. */
import type { Handling } from "./catalogue.generated.js";
import { type Endpoint, TransportError } from "./errors.js";
import { parseJson } from "./json.js";

export interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes, read defensively
  readonly json: any;
}

export interface AttemptInit {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number;
  readonly endpoint: Endpoint;
  readonly fetch: typeof fetch;
}

/** What a transport failure means for this endpoint: a redeem may have happened (recheck). */
export function transportHandling(endpoint: Endpoint): Handling {
  return endpoint === "redeem" ? "recheck" : "retry";
}

function transportError(
  endpoint: Endpoint,
  message: string,
  description: string,
  timedOut: boolean,
  cause?: unknown,
  httpStatus = 0,
  logId: string | null = null,
): TransportError {
  return new TransportError({
    row: null,
    code: "transport_error",
    message,
    description,
    logId,
    handling: transportHandling(endpoint),
    httpStatus,
    data: {},
    endpoint,
    timedOut,
    ...(cause !== undefined ? { cause } : {}),
  });
}

/**
 * POSTs once. Resolves with any HTTP answer whose body is JSON; rejects with a TransportError when
 * no JSON answer arrived (connection refused or cut, timeout, a proxy's HTML page), or with the
 * signal's reason when the caller aborted.
 */
export async function postOnce(init: AttemptInit): Promise<RawAnswer> {
  const { signal } = init;
  signal?.throwIfAborted();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${init.timeoutMs} ms`));
  }, init.timeoutMs);
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    let res: Response;
    let text: string;
    try {
      res = await init.fetch(init.url, {
        method: "POST",
        headers: init.headers,
        body: init.body,
        signal: controller.signal,
      });
      text = await res.text();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (timedOut) {
        throw transportError(
          init.endpoint,
          "TransportTimeout",
          `no answer within ${init.timeoutMs} ms`,
          true,
          err,
        );
      }
      const detail = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : "";
      throw transportError(init.endpoint, "TransportFailed", `the connection failed: ${detail}`, false, err);
    }
    let json: unknown;
    try {
      json = parseJson(text);
    } catch (err) {
      throw transportError(
        init.endpoint,
        "TransportInvalidAnswer",
        `HTTP ${res.status} with a body that is not JSON`,
        false,
        err,
        res.status,
        res.headers.get("x-tt-logid"),
      );
    }
    if (json === null || typeof json !== "object") {
      throw transportError(
        init.endpoint,
        "TransportInvalidAnswer",
        `HTTP ${res.status} with a body that is not a JSON object`,
        false,
        undefined,
        res.status,
        res.headers.get("x-tt-logid"),
      );
    }
    return { status: res.status, headers: res.headers, json };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/** Sleeps, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Awaits a shared promise (e.g. the one token refresh), but lets this caller's signal give up on it. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** `Retry-After` as milliseconds: delay-seconds or an HTTP date; `fallbackMs` when absent or unreadable. */
export function retryAfterMs(header: string | null, fallbackMs: number, nowMs = Date.now()): number {
  if (header === null || header.trim() === "") return fallbackMs;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? fallbackMs : Math.max(0, date - nowMs);
}
