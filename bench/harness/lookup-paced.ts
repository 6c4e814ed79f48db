/**
 * Lookups at a fixed offered rate R, half of our closed-loop peak, beside the canned server (H)
 * paced at the same absolute rate R: the p99 criterion is their ratio (issue 18; H paced at 80 %
 * of its own peak missed an absolute line by 5–15x on this machine). Then the other fractions of
 * `--curve`.
 */
import { QUERY_PATH } from "../lib/client.js";
import { runPacedLoad } from "../lib/paced-load.js";
import { log } from "../lib/progress.js";
import { round } from "../lib/stats.js";
import { pacedH } from "./limit-h.js";
import { ourServer, record } from "./ours.js";
import type { Session } from "./session.js";
import type { Traffic } from "./traffic.js";

const HALF = 0.5;

export async function pacedLookups(s: Session, t: Traffic): Promise<void> {
  const { opts, run } = s;
  const lookups = run.scenarios.lookup_code ?? [];
  if (!lookups.length) return;
  const peak = lookups.reduce((a, r) => (r.throughput_rps > a.throughput_rps ? r : a));
  const rate = Math.max(1, Math.round(HALF * peak.throughput_rps));
  log(`  lookup at 50 % of peak: ${rate} rps offered (peak ${peak.throughput_rps} at c=${peak.connections})`);
  const pacedLookup = (overallRate: number) =>
    runPacedLoad({
      ...ourServer(s, t),
      path: QUERY_PATH,
      endpoint: "query",
      connections: peak.connections,
      durationS: opts.durationS,
      overallRate,
      body: t.lookupBody,
    });
  const r = await pacedLookup(rate);
  await record(s, "lookup_code", { ...r });
  lookups.pop(); // kept apart from the fixed-concurrency list
  const h = await pacedH(rate, peak.connections, t.hBodies, opts.warmupS, opts.durationS, t.lookupBody);
  run.lookup_p99_at_half_peak = {
    peak_rps: peak.throughput_rps,
    concurrency: peak.connections,
    offered_rate: rate,
    result: r,
    h_same_rate: h,
    p99_ratio_to_h: h.result.latency_ms.p99 > 0 ? round(r.latency_ms.p99 / h.result.latency_ms.p99, 2) : null,
  };
  for (const fraction of opts.curve.filter((f) => f !== HALF)) {
    const offered = Math.max(1, Math.round(fraction * peak.throughput_rps));
    const c = await pacedLookup(offered);
    log(
      `  lookup at ${Math.round(fraction * 100)} % of peak: p50 ${c.latency_ms.p50} p99 ${c.latency_ms.p99} ms`,
    );
    run.lookup_curve.push({ fraction, offered_rate: offered, result: c });
  }
}
