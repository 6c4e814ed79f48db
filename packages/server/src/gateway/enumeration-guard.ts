/**
 * The code enumeration budget (CONTRACT.md section 2): every code a caller names that does not
 * resolve for it is a miss. Misses are counted per (app, merchant) over a window; a POS device
 * is an app of its own (its budget is the device's) and its misses count against the app it
 * was paired for too. A caller over any of its budgets is answered 429 until the window ends;
 * the miss that tips a budget over raises one alert for that window.
 */
import { type Failure, fail } from "../core/result.js";
import type { WindowCounter } from "./ports.js";

export const ENUMERATION_THROTTLED = "too many codes that do not resolve: enumeration throttled";

/** A caller over its enumeration budget: 429 with Retry-After. */
export function overBudget(retryAfterSeconds: number): Failure {
  return fail("rate_limit_exceeded", ENUMERATION_THROTTLED, { retryAfterSeconds });
}

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
    const counts = await Promise.all(this.#budgets(s).map((b) => this.counter.peek(this.#key(b, s))));
    let wait: number | null = null;
    for (const c of counts) {
      if (c === null || c.total <= this.budget) continue;
      wait = Math.max(wait ?? 0, Math.max(1, Math.ceil(c.msLeft / 1000)));
    }
    return wait;
  }

  /**
   * Holds every named code as a miss while the lookup or redeem runs, so that concurrent requests
   * cannot all pass a budget none of them has been charged to yet. Returns the seconds to wait
   * when the caller was already over one of its budgets (nothing stays held then), else null.
   */
  async hold(s: MissSubject, codes: number): Promise<number | null> {
    if (codes <= 0) return null;
    const budgets = this.#budgets(s);
    const counts = await Promise.all(budgets.map((b) => this.counter.add(this.#key(b, s), codes)));
    let wait: number | null = null;
    for (const c of counts) {
      if (!c || c.total - codes <= this.budget) continue;
      wait = Math.max(wait ?? 0, Math.max(1, Math.ceil(c.msLeft / 1000)));
    }
    if (wait !== null) await Promise.all(budgets.map((b) => this.counter.giveBack(this.#key(b, s), codes)));
    return wait;
  }

  /**
   * Settles a hold: the held codes that resolved are given back, the misses stay. Raises the
   * alert of a budget the misses tip over (one addition crosses it in a window).
   */
  async settle(s: MissSubject, held: number, misses: number): Promise<void> {
    if (held <= 0) return;
    const budgets = this.#budgets(s);
    const resolved = held - misses;
    const counts = await Promise.all(
      budgets.map((b) =>
        resolved > 0 ? this.counter.giveBack(this.#key(b, s), resolved) : this.counter.peek(this.#key(b, s)),
      ),
    );
    if (misses <= 0) return;
    const trips: Promise<void>[] = [];
    budgets.forEach((b, i) => {
      const c = counts[i];
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

  #key(b: { appId: string }, s: MissSubject): string {
    return `${b.appId}:${s.merchantId}`;
  }
}
