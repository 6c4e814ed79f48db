/** One HTTP attempt for the Node client (the wire module's exchange, no answer thrown as a TransportError), and waits. */
import { type Endpoint, TransportError } from "./errors.js";
import { noAnswerHandling } from "./wire/answer.js";
import { exchange, type JsonAnswer } from "./wire/exchange.js";

export type RawAnswer = JsonAnswer;

export interface AttemptInit {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number;
  readonly endpoint: Endpoint;
  readonly fetch: typeof fetch;
}

/**
 * POSTs once. Resolves with any HTTP answer whose body is a JSON object; rejects with a
 * TransportError when none arrived (connection refused or cut, timeout, a proxy's HTML page),
 * or with the signal's reason when the caller aborted.
 */
export async function postOnce(init: AttemptInit): Promise<RawAnswer> {
  const { endpoint, ...rest } = init;
  const answer = await exchange(rest);
  if (answer.kind === "answer") return answer;
  const { kind: _, ...none } = answer;
  throw new TransportError({
    ...none,
    row: null,
    code: "transport_error",
    handling: noAnswerHandling(endpoint),
    data: {},
    endpoint,
  });
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
