/**
 * Load on our server: the common load spec, the warm-up, the distinct-code redeem run with its
 * range bookkeeping, and the recording of each run (a run without an answer stops the world).
 */
import { QUERY_PATH, REDEEM_PATH, redeemBody } from "../lib/client.js";
import { type LoadResult, runLoad } from "../lib/load.js";
import { log } from "../lib/progress.js";
import { codeOf, orderOf, resetItemsSql } from "../lib/world.js";
import type { Scenario } from "./options.js";
import { healthz, pgliteTool, type Session, server, startSessionServer } from "./session.js";
import type { Traffic } from "./traffic.js";

/** The server stopped answering: the remaining measurements of this world are skipped. */
export class ServerStalled extends Error {
  override name = "ServerStalled";
}

/** The part of every load spec that names our server, its token and what to sample. */
export function ourServer(s: Session, t: Traffic) {
  return {
    url: server(s).url,
    token: t.token,
    serverPid: server(s).pid,
    sampleDb: s.db === "postgres" ? s.dbName : null,
  };
}

/** Typed-code lookups at `connections` for `durationS` seconds. */
export function lookupRun(
  s: Session,
  t: Traffic,
  connections: number,
  durationS: number,
  body = t.lookupBody,
) {
  return runLoad({
    ...ourServer(s, t),
    path: QUERY_PATH,
    endpoint: "query",
    connections,
    durationS,
    body,
  });
}

/** Puts the used part of the redeem range back to WAIT_FULFILL (the embedded server restarts for it). */
export async function resetRedeemRange(s: Session, t: Traffic): Promise<void> {
  const { lay, opts } = s;
  if (s.redeemUsed === 0) return;
  const used = Math.min(s.redeemUsed, s.redeemSpan);
  if (s.db === "postgres" && s.client) {
    for (const statement of resetItemsSql(lay.redeem[0], lay.redeem[0] + used))
      await s.client.query(statement);
    await s.client.query("VACUUM vouchers, execution_orders, sub_fulfillment_orders");
  } else {
    log("    (restarting the embedded server to reset the redeem range)");
    await server(s).stop();
    await pgliteTool([
      "reset",
      "--data-dir",
      s.dataDir,
      "--from",
      String(lay.redeem[0]),
      "--to",
      String(lay.redeem[0] + used),
    ]);
    await startSessionServer(s);
    await lookupRun(s, t, opts.levels[0] as number, opts.warmupS);
  }
  s.redeemUsed = 0;
}

/** Distinct-code redeems: each request takes the next unused item; the run stops when the range is used up. */
export async function redeemRun(
  s: Session,
  t: Traffic,
  connections: number,
  durationS: number,
): Promise<LoadResult & { wrapped: boolean }> {
  const { lay, redeemSpan } = s;
  // The embedded server restarts to reset, so it resets only when the rest of the range may not last the run.
  const best = Math.max(s.redeemRateSeen, ...(s.run.scenarios.redeem ?? []).map((r) => r.throughput_rps));
  const need = (best || (s.db === "postgres" ? 1500 : 400)) * durationS * 1.3;
  if (s.db === "postgres" || redeemSpan - s.redeemUsed < need) await resetRedeemRange(s, t);
  let exhausted = false;
  const result = await runLoad({
    ...ourServer(s, t),
    path: REDEEM_PATH,
    endpoint: "redeem",
    connections,
    durationS,
    body: (ctx) => {
      const k = s.redeemUsed++;
      if (k >= redeemSpan) exhausted = true;
      const i = lay.redeem[0] + (k % redeemSpan);
      ctx.i = i;
      return redeemBody(orderOf(i), codeOf(i));
    },
    stopWhen: () => exhausted,
  });
  return { ...result, wrapped: exhausted };
}

/** The warm-up (JIT, pools), not recorded; a redeem warm-up also gives the first redeem rate. */
export async function warmUp(s: Session, t: Traffic): Promise<void> {
  const { opts } = s;
  const c0 = opts.levels[0] as number;
  log(`  warm-up ${opts.warmupS} s`);
  await lookupRun(s, t, c0, opts.warmupS);
  if (opts.scenarios.includes("redeem") || opts.scenarios.includes("contested"))
    s.redeemRateSeen = (await redeemRun(s, t, c0, opts.warmupS)).throughput_rps;
}

/** Keeps a run under its scenario and logs it; a run without a single answer means the server stopped answering. */
export async function record(s: Session, scenario: Scenario, r: LoadResult & { wrapped?: boolean }) {
  if (r.answers_total === 0) {
    const health = await healthz(server(s).url);
    throw new ServerStalled(
      `the server gave no answer during ${scenario} (c=${r.connections}, ${r.socket_errors} socket errors, ${r.timeouts} timeouts; server CPU ${r.resources.server_cpu_pct}%; GET /healthz: ${health})`,
    );
  }
  const list = s.run.scenarios[scenario] ?? [];
  list.push(r);
  s.run.scenarios[scenario] = list;
  const rows = Object.entries(r.answers)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ");
  log(
    `    ${scenario} c=${r.connections}${r.offered_rate ? ` rate=${r.offered_rate}/s` : ""}: ${r.throughput_rps} rps (ok ${r.ok_rps}/s), p50 ${r.latency_ms.p50} p90 ${r.latency_ms.p90} p99 ${r.latency_ms.p99} ms, server CPU ${r.resources.server_cpu_pct}% RSS ${r.resources.server_rss_mb_max} MB${r.wrapped ? " (range used up)" : ""} [${rows}]`,
  );
}
