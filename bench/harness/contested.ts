/**
 * The contested redeem: a window of a few codes that all clients hammer; it moves on once each
 * of them was redeemed (or after a second). Afterwards the double-redeem check: per code at most
 * one success answer and at most one live redemption, every FINISH voucher with its redemption.
 */
import { REDEEM_PATH, redeemBody } from "../lib/client.js";
import { runLoad } from "../lib/load.js";
import { log } from "../lib/progress.js";
import { codeOf, contestedCheckSql, orderOf } from "../lib/world.js";
import { ourServer } from "./ours.js";
import type { ContestedCheck } from "./run-record.js";
import { pgliteTool, type Session } from "./session.js";
import type { Traffic } from "./traffic.js";

export class ContestedRange {
  readonly successesByItem = new Map<number, number>();
  /** The first item no window has taken yet. */
  next: number;
  private windowStart = -1;
  private windowOk = new Set<number>();
  private windowSince = 0;
  private windowsAdvanced = 0;
  private windowsStalled = 0;
  private done = false;
  private readonly end: number;

  constructor(
    range: readonly [number, number],
    /** Codes at a time (--contested-codes). */
    readonly k: number,
  ) {
    this.next = range[0];
    this.end = range[1];
  }

  private advance(stalled: boolean): boolean {
    if (this.next + this.k > this.end) return false;
    this.windowStart = this.next;
    this.next += this.k;
    this.windowOk = new Set();
    this.windowSince = performance.now();
    this.windowsAdvanced++;
    if (stalled) this.windowsStalled++;
    return true;
  }

  run(s: Session, t: Traffic, connections: number, durationS: number) {
    const K = this.k;
    this.done = false;
    if (!this.advance(false)) this.done = true;
    return runLoad({
      ...ourServer(s, t),
      path: REDEEM_PATH,
      endpoint: "redeem",
      connections,
      durationS,
      body: (ctx) => {
        if (performance.now() - this.windowSince > 1000 && !this.advance(true)) this.done = true;
        const i = this.windowStart + Math.floor(Math.random() * K);
        ctx.i = i;
        return redeemBody(orderOf(i), codeOf(i));
      },
      onAnswer: (answer, ctx) => {
        if (answer !== "OK") return;
        const i = ctx.i as number;
        this.successesByItem.set(i, (this.successesByItem.get(i) ?? 0) + 1);
        if (i >= this.windowStart && i < this.windowStart + K) {
          this.windowOk.add(i);
          if (this.windowOk.size === K && !this.advance(false)) this.done = true;
        }
      },
      stopWhen: () => this.done,
    });
  }

  /** The double-redeem check over the items the windows took, in the harness's answers and in the database. */
  async check(s: Session): Promise<ContestedCheck> {
    const [a, e] = [s.lay.contested[0], this.next];
    const doublesHarness = [...this.successesByItem.entries()]
      .filter(([, k]) => k > 1)
      .map(([i]) => codeOf(i));
    const { doubles: dbDoubles, counts } = await databaseDoubles(s, a, e);
    const harnessOk = [...this.successesByItem.values()].reduce((x, y) => x + y, 0);
    const consistent = counts.redemptions === counts.finished && counts.orphans === 0;
    const check: ContestedCheck = {
      passed: doublesHarness.length === 0 && dbDoubles.length === 0 && consistent,
      harness_successes: harnessOk,
      harness_codes_redeemed_twice: doublesHarness,
      db_codes_redeemed_twice: dbDoubles,
      db_counts: counts,
      windows_advanced: this.windowsAdvanced,
      windows_stalled: this.windowsStalled,
      note: `items ${a}..${e - 1} (${e - a} codes, ${this.k} at a time): per code at most one success answer and at most one live redemption; every FINISH voucher has its redemption`,
    };
    log(
      `  contested check: ${check.passed ? "passed" : "FAILED"} (${harnessOk} success answers, db ${JSON.stringify(counts)}, twice: harness ${doublesHarness.length}, db ${dbDoubles.length})`,
    );
    return check;
  }
}

/** Codes with more than one live redemption in items [a, e), and the counts that must agree. */
async function databaseDoubles(
  s: Session,
  a: number,
  e: number,
): Promise<{ doubles: unknown[]; counts: Record<string, number> }> {
  if (s.db === "postgres" && s.client) {
    const q = contestedCheckSql(a, e);
    return {
      doubles: (await s.client.query(q.doubles)).rows,
      counts: (await s.client.query(q.counts)).rows[0] as Record<string, number>,
    };
  }
  return (await pgliteTool(["check", "--data-dir", s.dataDir, "--from", String(a), "--to", String(e)])) as {
    doubles: unknown[];
    counts: Record<string, number>;
  };
}
