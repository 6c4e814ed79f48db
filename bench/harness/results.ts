/** The results of an invocation: the done criteria, the machine and configuration, every world's run; written as JSON and Markdown. */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { log } from "../lib/progress.js";
import { renderMarkdown } from "../lib/report.js";
import { MISS_BUDGET, RATE_LIMIT, ROOT } from "../lib/server.js";
import { round } from "../lib/stats.js";
import type { Options } from "./options.js";
import type { WorldRun } from "./run-record.js";
import { pgClient } from "./session.js";

/** The PostgreSQL server's version string, when PostgreSQL is measured. */
export async function postgresVersion(opts: Options): Promise<string | null> {
  if (!opts.dbs.includes("postgres")) return null;
  const c = await pgClient(opts.adminUrl);
  const version = ((await c.query("SELECT version()")).rows[0] as { version: string }).version;
  await c.end();
  return version;
}

/** The headline world (the largest PostgreSQL one, else the first) and the done criteria of issue 18. */
function criteriaOf(runs: WorldRun[]) {
  const pgRuns = runs.filter((r) => r.db === "postgres");
  const headline = [...pgRuns].sort((a, b) => b.n - a.n)[0] ?? runs[0];
  // The PostgreSQL lines judge only a PostgreSQL headline (an embedded-only run leaves them n/a).
  const pg = headline?.db === "postgres" ? headline : undefined;
  const embedded =
    runs.find((r) => r.db === "pglite" && r.n === 10_000) ?? runs.find((r) => r.db === "pglite");
  const small = pgRuns.find((r) => r.n === 10_000);
  const huge = pgRuns.find((r) => r.n === 10_000_000);
  const at = (value: number | null | undefined, test: (v: number) => boolean) => ({
    value: value ?? null,
    met: value === null || value === undefined ? null : test(value),
  });
  const growth = (op: "lookup_code" | "redeem") => {
    const big = huge ? peakOf(huge, op) : null;
    const base = small ? peakOf(small, op) : null;
    return big !== null && base ? round(big / base, 2) : null;
  };
  const latency = pg?.lookup_p99_at_half_peak?.p99_ratio_to_h;
  const perCode = pg?.redeem_100?.cost_per_code_ratio_to_1;
  const criteria = [
    {
      name: "ratios.redeem >= 0.9 (PostgreSQL, headline N)",
      ...at(pg?.ratios.redeem, (v) => v >= 0.9),
    },
    {
      name: "ratios.lookup_code >= 1.0 (PostgreSQL, headline N)",
      ...at(pg?.ratios.lookup_code, (v) => v >= 1.0),
    },
    {
      name: "cost.redeem.pg_cpu_ms_ratio_to_d <= 1.3",
      ...at(pg?.cost.redeem?.pg_cpu_ms_ratio_to_d, (v) => v <= 1.3),
    },
    {
      name: "cost.lookup_code.server_cpu_ms_ratio_to_h <= 2.0",
      ...at(pg?.cost.lookup_code?.server_cpu_ms_ratio_to_h, (v) => v <= 2.0),
    },
    { name: "ratios.pglite_redeem >= 0.6 (embedded)", ...at(embedded?.ratios.redeem, (v) => v >= 0.6) },
    {
      name: "ratios.pglite_lookup_code >= 0.6 (embedded)",
      ...at(embedded?.ratios.lookup_code, (v) => v >= 0.6),
    },
    { name: "latency.lookup_p99_ratio_to_h_at_half_peak <= 3", ...at(latency, (v) => v <= 3) },
    { name: "10 M lookup throughput >= 0.8 of 10 k (--huge)", ...at(growth("lookup_code"), (v) => v >= 0.8) },
    { name: "10 M redeem throughput >= 0.8 of 10 k (--huge)", ...at(growth("redeem"), (v) => v >= 0.8) },
    { name: "100-code redeem: CPU per code <= 1/20 of a 1-code redeem's", ...at(perCode, (v) => v <= 0.05) },
    {
      name: "the server answered throughout (every world)",
      value: runs.filter((r) => r.failure).length,
      met: runs.every((r) => !r.failure),
    },
    {
      name: "no code redeemed twice (contested runs)",
      value: runs.filter((r) => r.contested_check && !r.contested_check.passed).length,
      met: runs.every((r) => !r.contested_check || r.contested_check.passed),
    },
  ];
  return { headline, embedded, criteria };
}

/** A world's best closed-loop throughput of an operation, over its concurrency levels. */
function peakOf(run: WorldRun, op: "lookup_code" | "redeem"): number | null {
  const list = run.scenarios[op] ?? [];
  return list.length ? Math.max(...list.map((r) => r.throughput_rps)) : null;
}

export function resultsOf(
  opts: Options,
  started: Date,
  wall: number,
  pgVersion: string | null,
  runs: WorldRun[],
) {
  const { headline, embedded, criteria } = criteriaOf(runs);
  const results = {
    label: opts.label,
    date: started.toISOString(),
    mode: opts.mode,
    wall_seconds: wall,
    machine: {
      cpu: cpus()[0]?.model ?? "?",
      cores: availableParallelism(),
      memory_gb: round(totalmem() / 2 ** 30),
      node: process.version,
      postgres: pgVersion,
      loadavg_at_start: loadavg().map((x) => round(x, 2)),
    },
    config: {
      rate_limit: {
        FULFILL_RATE_LIMIT: RATE_LIMIT,
        FULFILL_MISS_BUDGET: MISS_BUDGET,
        note: "The per app+merchant+endpoint rate limit (default 50/s, as TTLS) and the enumeration budget (default 300 misses a minute; a running request holds its codes as misses) are raised by configuration for the run; every request uses one token.",
      },
      databases: opts.dbs,
      sizes: opts.sizes,
      concurrency: opts.levels,
      duration_s: opts.durationS,
      warmup_s: opts.warmupS,
      contested_codes_at_a_time: opts.contestedCodes,
      loader: "autocannon 9 in the harness process, pipelining 1, keep-alive; latency over every answer",
      D: "bench/limit/*.sql; PostgreSQL: pgbench -M prepared, same database, same concurrency (clients), -j 2; embedded: the same scripts through PGlite's query API",
      H: "bench/limit/http-canned.ts: bare Fastify, canned answer of the real answer's bytes, same request bodies and concurrency; measured right before D and ours at each level (--quick: once per invocation)",
      L: "1 / (1/D + 1/H)",
      cost: "CPU ms per operation (bench/README.md, 'Cost per operation'): PostgreSQL = every process of the private cluster (ended backends included), ours counted from the load's start until the outbox backlog is 0 and the request log flushed; D over pgbench's run; server = the server process over the same window; H = the canned server per request",
      private_cluster: opts.privateCluster ? (opts.clusterSettings ?? {}) : null,
      ratio:
        "our throughput / L at the same concurrency; the headline ratio is taken at the concurrency of our peak throughput",
    },
    ratios: {
      redeem: headline?.db === "postgres" ? headline.ratios.redeem : null,
      lookup_code: headline?.db === "postgres" ? headline.ratios.lookup_code : null,
      pglite_redeem: embedded?.ratios.redeem ?? null,
      pglite_lookup_code: embedded?.ratios.lookup_code ?? null,
    },
    latency: {
      lookup_p99_ratio_to_h_at_half_peak:
        headline?.db === "postgres" ? (headline.lookup_p99_at_half_peak?.p99_ratio_to_h ?? null) : null,
    },
    D: headline?.D ?? null,
    H: headline?.H ?? null,
    L: headline?.L ?? null,
    cost: headline?.cost ?? null,
    headline: headline
      ? { db: headline.db, n: headline.n, reference_concurrency: headline.reference_concurrency }
      : null,
    criteria,
    runs,
  };
  return results;
}

/** Writes bench/results/<stamp>-<label>.json and .md and prints the Markdown. */
export function writeResults(
  opts: Options,
  stamp: string,
  wall: number,
  results: ReturnType<typeof resultsOf>,
): void {
  const dir = join(ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${stamp}-${opts.label}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  const md = renderMarkdown(results);
  writeFileSync(`${base}.md`, md);
  process.stdout.write(`\n${md}\n`);
  log(`results: ${base}.json, ${base}.md (${wall} s)`);
}
