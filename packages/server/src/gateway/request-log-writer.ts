/**
 * The request log is written in batches: one multi-row insert per 100 ms (or per 200 entries)
 * instead of a write per request, so logging never sits on the request's path. An entry is
 * findable by its log id within a fraction of a second; a crash loses at most one batch.
 */
import type { GatewayStore, RequestLogEntry } from "./ports.js";

export class RequestLogWriter {
  #queue: RequestLogEntry[] = [];
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> = Promise.resolve();
  #writing = 0;

  constructor(
    readonly store: Pick<GatewayStore, "insertRequestLogs">,
    readonly onError: (err: unknown) => void,
    readonly intervalMs = 100,
    readonly maxBatch = 200,
  ) {}

  add(entry: RequestLogEntry): void {
    this.#queue.push(entry);
    if (this.#queue.length >= this.maxBatch) void this.flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.intervalMs);
      this.#timer.unref();
    }
  }

  /** Entries accepted and not yet written (queued, or in a batch being inserted). */
  get pending(): number {
    return this.#queue.length + this.#writing;
  }

  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return this.#flushing;
    this.#writing += batch.length;
    this.#flushing = this.#flushing.then(() =>
      this.store
        .insertRequestLogs(batch)
        .catch(this.onError)
        .finally(() => {
          this.#writing -= batch.length;
        }),
    );
    return this.#flushing;
  }
}
