/**
 * Requests per second per key (app + merchant + endpoint), on the real clock: a sliding window
 * of one second kept as two fixed buckets. Per process; several processes each enforce it.
 */
import type { RealClock } from "../core/ports.js";

export class RateLimiter {
  readonly #windows = new Map<string, { second: number; current: number; previous: number }>();
  #sweepAt = 0;

  constructor(
    readonly perSecond: number,
    readonly clock: RealClock,
  ) {}

  /** null when allowed, else the seconds to wait (Retry-After). */
  take(key: string): number | null {
    const nowMs = this.clock.nowMs();
    const second = Math.floor(nowMs / 1000);
    this.#sweep(second);
    let w = this.#windows.get(key);
    if (!w) {
      w = { second, current: 0, previous: 0 };
      this.#windows.set(key, w);
    }
    if (w.second !== second) {
      w.previous = w.second === second - 1 ? w.current : 0;
      w.current = 0;
      w.second = second;
    }
    const elapsed = (nowMs % 1000) / 1000;
    const estimate = w.previous * (1 - elapsed) + w.current;
    if (estimate >= this.perSecond) return 1;
    w.current += 1;
    return null;
  }

  #sweep(second: number): void {
    if (second < this.#sweepAt) return;
    this.#sweepAt = second + 10;
    for (const [key, w] of this.#windows) if (w.second < second - 1) this.#windows.delete(key);
  }
}
