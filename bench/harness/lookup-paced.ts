/**
 * Lookups at a fixed offered rate: 80 % of the peak throughput (the p99 criterion), beside the
 * canned server paced at 80 % of its own, and the other fractions of `--curve`.
 */
import { QUERY_PATH } from "../lib/client.js";
import { runPacedLoad } from "../lib/paced-load.js";
import { log } from "../lib/progress.js";
import { pacedH } from "./limit-h.js";
import { ourServer, record } from "./ours.js";
import type { Session } from "./session.js";
import type { Traffic } from "./traffic.js";

export async function pacedLookups(s: Session, t: Traffic): Promise<void> {
  const { opts, run } = s;
  const lookups = run.scenarios.lookup_code ?? [];
  if (!lookups.length) return;
  const peak = lookups.reduce((a, r) => (r.throughput_rps > a.throughput_rps ? r : a));
  const rate = Math.max(1, Math.round(0.8 * peak.throughput_rps));
  log(`  lookup at 80 % of peak: ${rate} rps offered (peak ${peak.throughput_rps} at c=${peak.connections})`);
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
  const hAtPeak = run.limits.lookup_code.find((l) => l.concurrency === peak.connections)?.H;
  run.lookup_p99_at_80pct = {
    peak_rps: peak.throughput_rps,
    concurrency: peak.connections,
    offered_rate: rate,
    result: r,
    h_reference: hAtPeak
      ? await pacedH(hAtPeak, t.hBodies, opts.warmupS, opts.durationS, t.lookupBody)
      : null,
  };
  for (const fraction of opts.curve.filter((f) => f !== 0.8)) {
    const offered = Math.max(1, Math.round(fraction * peak.throughput_rps));
    const c = await pacedLookup(offered);
    log(
      `  lookup at ${Math.round(fraction * 100)} % of peak: p50 ${c.latency_ms.p50} p99 ${c.latency_ms.p99} ms`,
    );
    run.lookup_curve.push({ fraction, offered_rate: offered, result: c });
  }
}
