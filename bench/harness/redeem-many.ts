/**
 * redeem_100: redeems of 100 codes of one order against redeems of one code, both at the same
 * concurrency and each in its own cost window, so the cost per code compares like with like
 * (issue 18: a 100-code redeem should cost at most 1/20 of a 1-code redeem per code).
 * PostgreSQL worlds only (the 100-code orders are loaded with the world, lib/world.ts MULTI).
 */
import { REDEEM_PATH, redeemBodyOf } from "../lib/client.js";
import { runLoad } from "../lib/load.js";
import { log } from "../lib/progress.js";
import { round } from "../lib/stats.js";
import { MULTI, multiOrderOf } from "../lib/world.js";
import { type OpCost, withCost } from "./cost.js";
import { ourServer, record, redeemRun, resetRedeemRange } from "./ours.js";
import type { RedeemManyRecord } from "./run-record.js";
import { type Session, server } from "./session.js";
import type { Traffic } from "./traffic.js";

const CONCURRENCY = 8;

/** CPU ms of the server and of PostgreSQL together, per operation (null when either is missing). */
const totalPerOp = (c: OpCost) =>
  c.server_cpu_ms_per_op === null || c.pg_cpu_ms_per_op === null
    ? null
    : c.server_cpu_ms_per_op + c.pg_cpu_ms_per_op;

export async function redeemMany(s: Session, t: Traffic): Promise<void> {
  if (s.db !== "postgres" || !s.opts.scenarios.includes("redeem_100")) return;
  log(`  redeem_100 at c=${CONCURRENCY}: ${MULTI.perOrder}-code orders, then 1-code redeems`);
  let next = 0;
  let exhausted = false;
  const many = await withCost(s, server(s).pid, server(s).url, () =>
    runLoad({
      ...ourServer(s, t),
      path: REDEEM_PATH,
      endpoint: "redeem",
      connections: CONCURRENCY,
      durationS: s.opts.durationS,
      body: () => {
        const j = next++;
        if (j >= MULTI.orders) exhausted = true;
        const { order, codes } = multiOrderOf(s.n, j % MULTI.orders);
        return redeemBodyOf(order, codes);
      },
      stopWhen: () => exhausted,
    }),
  );
  await record(s, "redeem_100", { ...many.result, wrapped: exhausted });
  await resetRedeemRange(s, t);
  const one = await withCost(s, server(s).pid, server(s).url, () =>
    redeemRun(s, t, CONCURRENCY, s.opts.durationS),
  );
  await record(s, "redeem", one.result);
  // Kept apart from the fixed-concurrency list (its level is not one of --concurrency).
  s.run.scenarios.redeem?.pop();
  const manyPerCode = totalPerOp(many.cost);
  const onePerOp = totalPerOp(one.cost);
  const run: RedeemManyRecord = {
    concurrency: CONCURRENCY,
    codes_per_redeem: MULTI.perOrder,
    redeems_per_s: many.result.ok_rps,
    codes_per_s: round(many.result.ok_rps * MULTI.perOrder),
    one_code_redeems_per_s: one.result.ok_rps,
    cost_100: many.cost,
    cost_1: one.cost,
    cpu_ms_per_code: manyPerCode === null ? null : round(manyPerCode / MULTI.perOrder, 4),
    cpu_ms_per_1_code_redeem: onePerOp === null ? null : round(onePerOp, 4),
    cost_per_code_ratio_to_1:
      manyPerCode === null || !onePerOp ? null : round(manyPerCode / MULTI.perOrder / onePerOp, 4),
    wrapped: exhausted,
  };
  s.run.redeem_100 = run;
  log(
    `    per code ${run.cpu_ms_per_code} ms CPU (server + PostgreSQL) against ${run.cpu_ms_per_1_code_redeem} ms for a 1-code redeem: ratio ${run.cost_per_code_ratio_to_1}`,
  );
}
