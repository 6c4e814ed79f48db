/**
 * D, the database limit: the least SQL of each operation (bench/limit/*.sql), bare. On PostgreSQL
 * pgbench right before ours at each level; on the embedded database the same scripts through
 * PGlite's query API, all levels at once before the server takes the data folder.
 */
import { clusterChildCount, settleCluster } from "../lib/proc.js";
import { log } from "../lib/progress.js";
import { MERCHANT, SHOP_ID, THIRD_SHOP } from "../lib/world.js";
import { type DbenchResult, pgbench } from "../limit/pgbench.js";
import type { PgliteJob } from "../limit/pglite-bench.js";
import { CostWindow, type OpCost } from "./cost.js";
import { resetRedeemRange } from "./ours.js";
import { nowSec, pgliteTool, type Session } from "./session.js";
import type { LimitOp, Traffic } from "./traffic.js";

export type DResult = DbenchResult & { wrapped: boolean; cost?: OpCost };

/** The variables of a D script: redeems take fresh redeem ids per run and distinct items of [base, base + span). */
function dVars(
  s: Session,
  script: LimitOp,
  clients: number,
  base: number,
  span: number,
): Record<string, string | number> {
  s.ridRun += 1;
  return script === "lookup_code"
    ? { n: s.n, merchant: MERCHANT }
    : {
        base,
        span,
        nclients: clients,
        iter: 0,
        rid: (9_000_000_000_000_000_000n + BigInt(s.ridRun) * 100_000_000_000_000n).toString(),
        now: nowSec(),
        merchant: MERCHANT,
        app: s.appId,
        shop: SHOP_ID,
        third_shop: THIRD_SHOP,
      };
}

/** D on PGlite at every level (by "script:clients"), then the redeem range put back. No server may run. */
export async function dOnPglite(s: Session): Promise<Map<string, DResult>> {
  const { opts, lay, redeemSpan } = s;
  log("  D on PGlite (bench/limit/*.sql through PGlite's query API)");
  const jobs: (PgliteJob & { reset: [number, number] | null; transactions?: number })[] = [];
  for (const c of opts.levels) {
    jobs.push({
      script: "lookup_code",
      clients: c,
      durationS: opts.durationS,
      vars: dVars(s, "lookup_code", c, 0, 0),
      reset: null,
    });
    jobs.push({
      script: "redeem",
      clients: c,
      durationS: opts.durationS,
      vars: dVars(s, "redeem", c, lay.redeem[0], redeemSpan),
      reset: [lay.redeem[0], lay.redeem[1]],
      transactions: Math.floor(redeemSpan / c),
    });
  }
  const results = (await pgliteTool([
    "dbench",
    "--data-dir",
    s.dataDir,
    "--jobs",
    JSON.stringify(jobs),
  ])) as DbenchResult[];
  const byJob = new Map<string, DResult>();
  results.forEach((r, i) => {
    const job = jobs[i] as PgliteJob;
    byJob.set(`${job.script}:${job.clients}`, { ...r, wrapped: false });
    log(`    D ${job.script} c=${job.clients}: ${r.tps} tps, p99 ${r.latency_ms.p99} ms`);
  });
  await pgliteTool([
    "reset",
    "--data-dir",
    s.dataDir,
    "--from",
    String(lay.redeem[0]),
    "--to",
    String(lay.redeem[1]),
  ]);
  return byJob;
}

/** pgbench of one script at `c` clients, on the world's database (the redeem range reset first). */
export async function dOnPostgres(s: Session, t: Traffic, script: LimitOp, c: number): Promise<DResult> {
  const { opts, lay, redeemSpan } = s;
  if (script === "redeem") await resetRedeemRange(s, t);
  const vars = dVars(s, script, c, lay.redeem[0], redeemSpan);
  // A small world cannot feed a fast pgbench for the whole duration: then a fixed count of distinct codes.
  const perClient = Math.floor(redeemSpan / c);
  const capped = script === "redeem" && redeemSpan < 8000 * opts.durationS;
  const children = clusterChildCount();
  const window = await CostWindow.start(s, null);
  const bench = await pgbench({
    url: s.dbUrl,
    script,
    clients: c,
    durationS: opts.durationS,
    vars,
    ...(capped ? { transactionsPerClient: perClient } : {}),
  });
  // pgbench's backends end with the run: on the private cluster they are counted once reaped (the
  // postmaster's cutime), so the window ends when the cluster is back to its children before the run.
  await settleCluster(children);
  const cost = await window.end(bench.transactions);
  const r = { ...bench, cost };
  if (script === "redeem") s.redeemUsed = Math.min(redeemSpan, r.transactions + c);
  log(
    `    D ${script} c=${c}: ${r.tps} tps, p99 ${r.latency_ms.p99} ms${capped ? ` (${perClient} distinct codes per client)` : ""}`,
  );
  return { ...r, wrapped: script === "redeem" && !capped && r.transactions + c > redeemSpan };
}
