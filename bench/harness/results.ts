/** The results of an invocation: the done criteria, the machine and configuration, every world's run; written as JSON and Markdown. */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { log } from "../lib/progress.js";
import { renderMarkdown } from "../lib/report.js";
import { RATE_LIMIT, ROOT } from "../lib/server.js";
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

/** The headline world (the largest PostgreSQL one, else the first) and the done criteria of issue 7. */
function criteriaOf(runs: WorldRun[]) {
  const pgRuns = runs.filter((r) => r.db === "postgres");
  const headline = [...pgRuns].sort((a, b) => b.n - a.n)[0] ?? runs[0];
  const p99 = (r: WorldRun | undefined) => r?.lookup_p99_at_80pct?.result.latency_ms.p99 ?? null;
  const small = pgRuns.find((r) => r.n === 10_000) ?? [...pgRuns].sort((a, b) => a.n - b.n)[0];
  const large = pgRuns.find((r) => r.n === 1_000_000);
  const criteria = [
    {
      name: "redeem >= 0.6 L (PostgreSQL)",
      value: headline?.ratios.redeem ?? null,
      met:
        headline?.db === "postgres" && headline.ratios.redeem !== null ? headline.ratios.redeem >= 0.6 : null,
    },
    {
      name: "typed-code lookup >= 0.6 L (PostgreSQL)",
      value: headline?.ratios.lookup_code ?? null,
      met:
        headline?.db === "postgres" && headline.ratios.lookup_code !== null
          ? headline.ratios.lookup_code >= 0.6
          : null,
    },
    ...pgRuns.map((r) => ({
      name: `lookup p99 < 25 ms at 80 % of peak (PostgreSQL, N=${r.n})`,
      value: p99(r),
      met: p99(r) === null ? null : (p99(r) as number) < 25,
    })),
    {
      name: "lookup p99 with 1 M within 1.5x of 10 k (PostgreSQL, at 80 % of each peak)",
      value: large && small && p99(small) ? round((p99(large) as number) / (p99(small) as number), 2) : null,
      met: large && small && p99(small) ? (p99(large) as number) <= 1.5 * (p99(small) as number) : null,
    },
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
  return { headline, criteria };
}

export function resultsOf(
  opts: Options,
  started: Date,
  wall: number,
  pgVersion: string | null,
  runs: WorldRun[],
) {
  const { headline, criteria } = criteriaOf(runs);
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
        note: "The per app+merchant+endpoint rate limit (default 50/s, as TTLS) is raised by configuration for the run; every request uses one token.",
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
    ratios: headline ? { redeem: headline.ratios.redeem, lookup_code: headline.ratios.lookup_code } : null,
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
