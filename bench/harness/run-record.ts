/** What one world's run records (one entry of the results' `runs`), and its headline figures. */
import type { LoadResult } from "../lib/load.js";
import type { PacedResult } from "../lib/paced-load.js";
import type { ProfileSummary } from "../lib/profile.js";
import type { Layout } from "../lib/world.js";
import type { DbenchResult } from "../limit/pgbench.js";
import type { LevelCost, OpCost } from "./cost.js";
import type { LimitH } from "./limit-h.js";
import type { Db, Options, Scenario } from "./options.js";

export interface LimitRow {
  readonly concurrency: number;
  readonly D: DbenchResult;
  readonly H: LimitH;
  readonly L: number;
  readonly ours_rps: number;
  readonly ratio: number;
  readonly D_wrapped: boolean;
  /** Cost per operation at this level: ours (until drained), D, H (harness/cost.ts). */
  readonly cost?: LevelCost;
}

export interface ContestedCheck {
  readonly passed: boolean;
  readonly harness_successes: number;
  readonly harness_codes_redeemed_twice: string[];
  readonly db_codes_redeemed_twice: unknown[];
  readonly db_counts: Record<string, number>;
  readonly windows_advanced: number;
  readonly windows_stalled: number;
  readonly note: string;
}

export interface WorldRun {
  db: Db;
  n: number;
  layout: Layout;
  load_seconds: number;
  profiled: boolean;
  scenarios: Partial<Record<Scenario, (LoadResult & { wrapped?: boolean })[]>>;
  limits: { lookup_code: LimitRow[]; redeem: LimitRow[] };
  ratios: { lookup_code: number | null; redeem: number | null };
  reference_concurrency: { lookup_code: number | null; redeem: number | null };
  D: { lookup_code: number | null; redeem: number | null };
  H: { lookup_code: number | null; redeem: number | null };
  L: { lookup_code: number | null; redeem: number | null };
  /** Cost per operation at the headline concurrency of each operation. */
  cost: { lookup_code: CostHeadline | null; redeem: CostHeadline | null };
  /** Lookups paced at half of our closed-loop peak (the latency criterion). */
  lookup_p99_at_half_peak: {
    peak_rps: number;
    concurrency: number;
    offered_rate: number;
    result: PacedResult;
    /** The canned server (H) paced at the same absolute rate and concurrency. */
    h_same_rate: { offered_rate: number; result: PacedResult };
    /** Our p99 / H's p99 at that rate. */
    p99_ratio_to_h: number | null;
  } | null;
  /** redeem_100 (PostgreSQL): 100-code redeems against 1-code redeems at one concurrency. */
  redeem_100: RedeemManyRecord | null;
  /** Paced lookups at other fractions of the peak (`--curve`). */
  lookup_curve: { fraction: number; offered_rate: number; result: PacedResult }[];
  contested_check: ContestedCheck | null;
  profile: ProfileSummary | null;
  notes: string[];
  /** Set when the server stopped answering: the remaining measurements of this world were skipped. */
  failure: string | null;
}

/** The 100-code redeem's figures: throughput, and CPU per code against a 1-code redeem's. */
export interface RedeemManyRecord {
  readonly concurrency: number;
  readonly codes_per_redeem: number;
  readonly redeems_per_s: number;
  readonly codes_per_s: number;
  readonly one_code_redeems_per_s: number;
  readonly cost_100: OpCost;
  readonly cost_1: OpCost;
  /** Server + PostgreSQL CPU ms per code of a 100-code redeem. */
  readonly cpu_ms_per_code: number | null;
  /** Server + PostgreSQL CPU ms per 1-code redeem, same concurrency. */
  readonly cpu_ms_per_1_code_redeem: number | null;
  readonly cost_per_code_ratio_to_1: number | null;
  /** The 100-code orders were used up before the run's end. */
  readonly wrapped: boolean;
}

/** The cost figures of one operation at its headline concurrency. */
export interface CostHeadline {
  readonly concurrency: number;
  readonly pg_cpu_ms_per_op: number | null;
  readonly d_pg_cpu_ms_per_op: number | null;
  readonly pg_cpu_ms_ratio_to_d: number | null;
  readonly server_cpu_ms_per_op: number | null;
  readonly h_server_cpu_ms_per_op: number | null;
  readonly server_cpu_ms_ratio_to_h: number | null;
  readonly statements_ms_per_op: number | null;
  readonly d_statements_ms_per_op: number | null;
  readonly other_cpu_pct: number | null;
  readonly d_other_cpu_pct: number | null;
}

export function emptyRun(opts: Options, db: Db, n: number, lay: Layout): WorldRun {
  return {
    db,
    n,
    layout: lay,
    load_seconds: 0,
    profiled: opts.profile,
    scenarios: {},
    limits: { lookup_code: [], redeem: [] },
    ratios: { lookup_code: null, redeem: null },
    reference_concurrency: { lookup_code: null, redeem: null },
    D: { lookup_code: null, redeem: null },
    H: { lookup_code: null, redeem: null },
    L: { lookup_code: null, redeem: null },
    cost: { lookup_code: null, redeem: null },
    lookup_p99_at_half_peak: null,
    redeem_100: null,
    lookup_curve: [],
    contested_check: null,
    profile: null,
    notes: [],
    failure: null,
  };
}

/** The headline figures of a world: taken at the concurrency where our throughput peaks. */
export function setHeadline(run: WorldRun): void {
  for (const op of ["lookup_code", "redeem"] as const) {
    const rows = run.limits[op];
    if (!rows.length) continue;
    const best = rows.reduce((a, r) => (r.ours_rps > a.ours_rps ? r : a));
    run.ratios[op] = best.ratio;
    run.reference_concurrency[op] = best.concurrency;
    run.D[op] = best.D.tps;
    run.H[op] = best.H.result.throughput_rps;
    run.L[op] = best.L;
    const c = best.cost;
    run.cost[op] = c
      ? {
          concurrency: best.concurrency,
          pg_cpu_ms_per_op: c.ours.pg_cpu_ms_per_op,
          d_pg_cpu_ms_per_op: c.D?.pg_cpu_ms_per_op ?? null,
          pg_cpu_ms_ratio_to_d: c.pg_cpu_ms_ratio_to_d,
          server_cpu_ms_per_op: c.ours.server_cpu_ms_per_op,
          h_server_cpu_ms_per_op: c.H?.server_cpu_ms_per_op ?? null,
          server_cpu_ms_ratio_to_h: c.server_cpu_ms_ratio_to_h,
          statements_ms_per_op: c.ours.statements?.ms_per_op ?? null,
          d_statements_ms_per_op: c.D?.statements?.ms_per_op ?? null,
          other_cpu_pct: c.ours.other_cpu_pct,
          d_other_cpu_pct: c.D?.other_cpu_pct ?? null,
        }
      : null;
  }
}
