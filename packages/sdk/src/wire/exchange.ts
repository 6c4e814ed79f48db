/**
 * One HTTP attempt, in any fetch-capable runtime (Node 20, a browser): fetch with the caller's
 * AbortSignal and a per-attempt timeout, the body read as lossless JSON. What comes back is
 * data, never an exception: an answer, or no (usable) answer and why.
 */
import { parseJson } from "./json.js";

/** An HTTP answer whose body is a JSON object. */
export interface JsonAnswer {
  readonly kind: "answer";
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes, read defensively
  readonly json: any;
}

/** No answer to use: the connection failed or was cut, the timeout passed, or the body was not a JSON object. */
export interface NoAnswer {
  readonly kind: "none";
  /** `TransportTimeout`, `TransportFailed` or `TransportInvalidAnswer`. */
  readonly message: string;
  readonly description: string;
  readonly timedOut: boolean;
  /** 0 when no HTTP answer arrived. */
  readonly httpStatus: number;
  readonly logId: string | null;
  readonly cause?: unknown;
}

export type Exchange = JsonAnswer | NoAnswer;

export interface ExchangeInit {
  readonly url: string;
  /** PUT: the operator console edits grants (the platform API's PUT routes). */
  readonly method?: "GET" | "POST" | "PUT" | "DELETE";
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
  /** Browser-only request options (e.g. the POS's `cache: "no-store"`, `credentials: "omit"`). */
  readonly requestInit?: Pick<RequestInit, "cache" | "credentials">;
}

/**
 * Sends once. Resolves with the answer or the reason none came; rejects only with the signal's
 * reason when the caller aborted.
 */
export async function exchange(init: ExchangeInit): Promise<Exchange> {
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
        ...init.requestInit,
        method: init.method ?? "POST",
        headers: init.headers,
        body: init.body ?? null,
        signal: controller.signal,
      });
      text = await res.text();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (timedOut) return none("TransportTimeout", `no answer within ${init.timeoutMs} ms`, true, err);
      const detail = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : "";
      return none("TransportFailed", `the connection failed: ${detail}`, false, err);
    }
    const logId = res.headers.get("x-tt-logid");
    let json: unknown;
    try {
      json = parseJson(text);
    } catch (err) {
      return none(
        "TransportInvalidAnswer",
        `HTTP ${res.status} with a body that is not JSON`,
        false,
        err,
        res.status,
        logId,
      );
    }
    if (json === null || typeof json !== "object") {
      const description = `HTTP ${res.status} with a body that is not a JSON object`;
      return none("TransportInvalidAnswer", description, false, undefined, res.status, logId);
    }
    return { kind: "answer", status: res.status, headers: res.headers, json };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

function none(
  message: string,
  description: string,
  timedOut: boolean,
  cause: unknown,
  httpStatus = 0,
  logId: string | null = null,
): NoAnswer {
  return {
    kind: "none",
    message,
    description,
    timedOut,
    httpStatus,
    logId,
    ...(cause !== undefined ? { cause } : {}),
  };
}

/** `Retry-After` as milliseconds: delay-seconds or an HTTP date; `fallbackMs` when absent or unreadable. */
export function retryAfterMs(header: string | null, fallbackMs: number, nowMs = Date.now()): number {
  if (header === null || header.trim() === "") return fallbackMs;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? fallbackMs : Math.max(0, date - nowMs);
}
