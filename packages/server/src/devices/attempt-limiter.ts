/**
 * Failed-attempt limiter for pairing codes: after `maxFailures` failures from one client within
 * `windowMs`, that client waits until the window ends. Real clock, in memory (per process).
 */
import type { RealClock } from "../core/ports.js";

export class AttemptLimiter {
  readonly #failures = new Map<string, { count: number; resetAtMs: number }>();

  constructor(
    readonly clock: RealClock,
    readonly maxFailures = 10,
    readonly windowMs = 10 * 60 * 1000,
    readonly maxKeys = 10_000,
  ) {}

  /** null when the client may try, else the seconds to wait. */
  blockedFor(key: string): number | null {
    const now = this.clock.nowMs();
    const f = this.#failures.get(key);
    if (!f) return null;
    if (f.resetAtMs <= now) {
      this.#failures.delete(key);
      return null;
    }
    return f.count >= this.maxFailures ? Math.max(1, Math.ceil((f.resetAtMs - now) / 1000)) : null;
  }

  fail(key: string): void {
    const now = this.clock.nowMs();
    if (this.#failures.size >= this.maxKeys) {
      for (const [k, v] of this.#failures) if (v.resetAtMs <= now) this.#failures.delete(k);
    }
    const f = this.#failures.get(key);
    if (!f || f.resetAtMs <= now) this.#failures.set(key, { count: 1, resetAtMs: now + this.windowMs });
    else f.count += 1;
  }
}
