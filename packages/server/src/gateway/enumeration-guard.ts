/**
 * Code enumeration throttling: typed codes that do not exist are misses; an app and merchant
 * that miss more than a budget within a window are answered 429 until the window passes, and
 * an operator alert is raised (once per window). On the real clock; per process.
 */
import type { RealClock } from "../core/ports.js";

export interface EnumerationAlert {
  readonly at: number; // Unix ms
  readonly appId: string;
  readonly merchantId: string;
  readonly misses: number;
  readonly windowMs: number;
}

export class EnumerationGuard {
  readonly #windows = new Map<string, { start: number; misses: number; alerted: boolean }>();
  readonly alerts: EnumerationAlert[] = [];

  constructor(
    readonly budget: number,
    readonly windowMs: number,
    readonly clock: RealClock,
    readonly onAlert: (alert: EnumerationAlert) => void = () => undefined,
  ) {}

  #window(key: string) {
    const now = this.clock.nowMs();
    let w = this.#windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, misses: 0, alerted: false };
      this.#windows.set(key, w);
      if (this.#windows.size > 100_000) this.#windows.clear();
    }
    return w;
  }

  /** Seconds to wait when this caller is over its budget, else null. */
  blocked(appId: string, merchantId: string): number | null {
    const w = this.#window(`${appId}:${merchantId}`);
    if (w.misses <= this.budget) return null;
    return Math.max(1, Math.ceil((w.start + this.windowMs - this.clock.nowMs()) / 1000));
  }

  miss(appId: string, merchantId: string, count: number): void {
    const w = this.#window(`${appId}:${merchantId}`);
    w.misses += count;
    if (w.misses > this.budget && !w.alerted) {
      w.alerted = true;
      const alert = { at: this.clock.nowMs(), appId, merchantId, misses: w.misses, windowMs: this.windowMs };
      this.alerts.push(alert);
      if (this.alerts.length > 1000) this.alerts.shift();
      this.onAlert(alert);
    }
  }
}
