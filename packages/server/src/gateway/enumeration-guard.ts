/**
 * The code enumeration budget (CONTRACT.md section 2): every code a caller names that does not
 * resolve for it is a miss. Misses are counted per (app, merchant) over a window; a POS device
 * is an app of its own (its budget is the device's) and its misses count against the app it
 * was paired for too. A caller over any of its budgets is answered 429 until the window ends;
 * the miss that tips a budget over raises one alert for that window.
 */
import type { WindowCounter } from "./ports.js";

/** Who named the codes: the token's app and merchant, and for a device the app it acts for. */
export interface MissSubject {
  readonly appId: string;
  readonly merchantId: string;
  readonly onBehalfOfAppId: string | null;
}

export interface EnumerationTrip {
  readonly at: number; // Unix ms, real clock
  /** The budget that tipped: the caller's own, or (for a device) its parent app's. */
  readonly budget: "own" | "parent";
  readonly budgetAppId: string;
  readonly subject: MissSubject;
  readonly misses: number;
  readonly windowMs: number;
}

export class EnumerationGuard {
  constructor(
    readonly budget: number,
    readonly windowMs: number,
    readonly counter: WindowCounter,
    readonly onTrip: (trip: EnumerationTrip) => Promise<void> = async () => undefined,
  ) {}

  #budgets(s: MissSubject): { budget: EnumerationTrip["budget"]; appId: string }[] {
    const own = [{ budget: "own" as const, appId: s.appId }];
    return s.onBehalfOfAppId === null || s.onBehalfOfAppId === s.appId
      ? own
      : [...own, { budget: "parent" as const, appId: s.onBehalfOfAppId }];
  }

  /** Seconds to wait when this caller is over one of its budgets, else null. */
  async blocked(s: MissSubject): Promise<number | null> {
    const counts = await Promise.all(
      this.#budgets(s).map((b) => this.counter.peek(`${b.appId}:${s.merchantId}`)),
    );
    let wait: number | null = null;
    for (const c of counts) {
      if (c === null || c.total <= this.budget) continue;
      wait = Math.max(wait ?? 0, Math.max(1, Math.ceil(c.msLeft / 1000)));
    }
    return wait;
  }

  /** Counts misses against every budget of the caller; raises the alert of a budget it tips over. */
  async miss(s: MissSubject, misses: number): Promise<void> {
    if (misses <= 0) return;
    const budgets = this.#budgets(s);
    const counts = await Promise.all(
      budgets.map((b) => this.counter.add(`${b.appId}:${s.merchantId}`, misses)),
    );
    const trips: Promise<void>[] = [];
    budgets.forEach((b, i) => {
      const c = counts[i];
      // Exactly one addition crosses the budget in a window, whichever process made it.
      if (!c || c.total <= this.budget || c.total - misses > this.budget) return;
      trips.push(
        this.onTrip({
          at: Date.now(),
          budget: b.budget,
          budgetAppId: b.appId,
          subject: s,
          misses: c.total,
          windowMs: this.windowMs,
        }),
      );
    });
    await Promise.all(trips);
  }
}
