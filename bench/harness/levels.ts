/**
 * The measurements at one concurrency level: for each scenario ours, and beside the lookup and
 * the redeem their limits H and D measured right before ours (so both see the same machine),
 * with L = 1 / (1/D + 1/H) and our ratio to it.
 */
import type { LoadResult } from "../lib/load.js";
import { log } from "../lib/progress.js";
import { round } from "../lib/stats.js";
import type { ContestedRange } from "./contested.js";
import { type LevelCost, levelCost, withCost } from "./cost.js";
import { type DResult, dOnPostgres } from "./limit-d.js";
import { type LimitH, measureH } from "./limit-h.js";
import { lookupRun, record, redeemRun, resetRedeemRange } from "./ours.js";
import type { LimitRow } from "./run-record.js";
import { type Session, server } from "./session.js";
import type { LimitOp, Traffic } from "./traffic.js";

const L = (d: number, h: number) => (d > 0 && h > 0 ? 1 / (1 / d + 1 / h) : 0);

export async function measureLevel(
  s: Session,
  t: Traffic,
  c: number,
  pgliteD: Map<string, DResult>,
  contested: ContestedRange,
): Promise<void> {
  const { opts } = s;
  log(`  concurrency ${c}`);
  if (opts.scenarios.includes("lookup_code")) {
    const { H, D } = await limitsAt(s, t, "lookup_code", c, pgliteD);
    const { result: ours, cost } = await withCost(s, server(s).pid, server(s).url, () =>
      lookupRun(s, t, c, opts.durationS),
    );
    await record(s, "lookup_code", ours);
    if (D && H) limitRow(s, "lookup_code", c, H, D, ours, costOf(D, H, cost));
  }
  if (opts.scenarios.includes("redeem")) {
    const { H, D } = await limitsAt(s, t, "redeem", c, pgliteD);
    // The range is put back before the cost window opens (its UPDATEs and VACUUM are not the redeem's).
    if (s.db === "postgres") await resetRedeemRange(s, t);
    const { result: ours, cost } = await withCost(s, server(s).pid, server(s).url, () =>
      redeemRun(s, t, c, opts.durationS),
    );
    await record(s, "redeem", ours);
    if (D && H) limitRow(s, "redeem", c, H, D, ours, costOf(D, H, cost));
  }
  if (opts.scenarios.includes("lookup_qr"))
    await record(s, "lookup_qr", await lookupRun(s, t, c, opts.durationS, t.qrBody));
  if (opts.scenarios.includes("contested"))
    await record(s, "contested", await contested.run(s, t, c, opts.durationS));
}

/** H, then D (on PostgreSQL measured now, on PGlite measured before the server started); none without --limits. */
async function limitsAt(
  s: Session,
  t: Traffic,
  op: LimitOp,
  c: number,
  pgliteD: Map<string, DResult>,
): Promise<{ H: LimitH | undefined; D: DResult | undefined }> {
  if (!s.opts.limits) return { H: undefined, D: undefined };
  const H = await measureH(s.opts, op, c, t.hBodies, t.hRequest[op]);
  const D = s.db === "postgres" ? await dOnPostgres(s, t, op, c) : pgliteD.get(`${op}:${c}`);
  return { H, D };
}

function costOf(D: DResult, H: LimitH, ours: Parameters<typeof levelCost>[0]): LevelCost {
  return levelCost(ours, D.cost ?? null, H.result);
}

function limitRow(
  s: Session,
  op: LimitOp,
  c: number,
  H: LimitH,
  D: DResult,
  ours: LoadResult,
  cost: LevelCost,
): void {
  const l = L(D.tps, H.result.throughput_rps);
  const row: LimitRow = {
    concurrency: c,
    D,
    H,
    L: round(l),
    ours_rps: ours.throughput_rps,
    ratio: round(ours.throughput_rps / l, 3),
    D_wrapped: D.wrapped,
    cost,
  };
  s.run.limits[op].push(row);
  log(
    `    => ${op} c=${c}: D ${D.tps}, H ${H.result.throughput_rps}, L ${row.L}, ours ${ours.throughput_rps} rps = ${row.ratio} L`,
  );
  const ms = (x: number | null | undefined) => (x === null || x === undefined ? "–" : x.toFixed(3));
  log(
    `       cost per op: PostgreSQL CPU ours ${ms(cost.ours.pg_cpu_ms_per_op)} ms, D ${ms(cost.D?.pg_cpu_ms_per_op)} ms (x${cost.pg_cpu_ms_ratio_to_d ?? "–"}); server CPU ours ${ms(cost.ours.server_cpu_ms_per_op)} ms, H ${ms(cost.H?.server_cpu_ms_per_op)} ms (x${cost.server_cpu_ms_ratio_to_h ?? "–"}); drained in ${cost.ours.drained?.drain_ms ?? "–"} ms`,
  );
}
