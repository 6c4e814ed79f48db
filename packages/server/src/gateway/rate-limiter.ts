/**
 * Requests per second per key (app + merchant + endpoint), on the real clock, counted in
 * one-second windows. Per process, or shared by every process through Redis; when the shared
 * count is unreachable the limit fails open (CONTRACT.md section 2, README).
 */
import type { WindowCounter } from "./ports.js";

export class RateLimiter {
  constructor(
    readonly perSecond: number,
    readonly counter: WindowCounter,
  ) {}

  /** null when allowed, else the seconds to wait (Retry-After). */
  async take(key: string): Promise<number | null> {
    const c = await this.counter.add(key, 1);
    if (c === null || c.total <= this.perSecond) return null;
    return Math.max(1, Math.ceil(c.msLeft / 1000));
  }
}
