/**
 * `npm run bench [-- flags]`: the benchmark harness of issue 7. See bench/README.md.
 *
 * For each database (PostgreSQL, the embedded one) and world size N it loads a world of N
 * vouchers, starts the server as a child process with the rate limit raised by configuration,
 * and drives load at fixed concurrency levels for: lookup by typed code, lookup by QR, redeem of
 * distinct codes, contested redeem (many clients on a few codes). Beside each it measures the
 * limits on the same machine in the same run: D (the least SQL, bare, bench/limit/*.sql), H (a
 * bare Fastify route with a canned answer of the same size), L = 1 / (1/D + 1/H).
 * Writes bench/results/<date>-<label>.json and .md; exits 1 if a code was redeemed twice.
 * The parts live in bench/harness/: options, session (the world and its server), traffic, ours,
 * limit-h, limit-d, levels, lookup-paced, contested, run-world, results.
 */

import { cleanUpAll, cleanUpOnSignals, onCleanup } from "./harness/cleanup.js";
import { stopCanned } from "./harness/limit-h.js";
import { parseOptions } from "./harness/options.js";
import { postgresVersion, resultsOf, writeResults } from "./harness/results.js";
import type { WorldRun } from "./harness/run-record.js";
import { runWorld } from "./harness/run-world.js";
import { type PrivateCluster, privateClusterPossible, startPrivateCluster } from "./lib/cluster.js";
import { log } from "./lib/progress.js";
import { RATE_LIMIT } from "./lib/server.js";
import { round } from "./lib/stats.js";

async function main(): Promise<void> {
  let opts = parseOptions(process.argv.slice(2));
  let cluster: PrivateCluster | null = null;
  if (opts.privateCluster && opts.dbs.includes("postgres")) {
    if (!privateClusterPossible()) {
      log(
        "no initdb or pg_stat_statements here: PostgreSQL runs on the admin URL's cluster (--shared-cluster)",
      );
      opts = { ...opts, privateCluster: false };
    } else {
      cluster = await startPrivateCluster(opts.adminUrl);
      const c = cluster;
      onCleanup(() => c.stop());
      log(
        `private PostgreSQL cluster (pg_stat_statements) on ${cluster.url}, postmaster ${cluster.postmasterPid}`,
      );
      opts = { ...opts, adminUrl: cluster.url, clusterSettings: cluster.settings };
    }
  } else opts = { ...opts, privateCluster: false };
  const started = new Date();
  const t0 = performance.now();
  const stamp = started.toISOString().slice(0, 16).replace(/:/g, "-");
  const pgVersion = await postgresVersion(opts);
  log(
    `bench ${opts.mode}: databases ${opts.dbs.join(", ")}, sizes ${JSON.stringify(opts.sizes)}, concurrency ${opts.levels.join("/")}, ${opts.durationS} s per run; rate limit raised to ${RATE_LIMIT}/s by FULFILL_RATE_LIMIT`,
  );
  const runs: WorldRun[] = [];
  for (const db of opts.dbs) {
    for (const n of opts.sizes[db]) runs.push(await runWorld(opts, db, n, stamp));
  }
  await stopCanned();
  await cluster?.stop();
  const wall = round((performance.now() - t0) / 1000);
  writeResults(opts, stamp, wall, resultsOf(opts, started, wall, pgVersion, runs));
  for (const r of runs) if (r.failure) log(`FAILED (${r.db}, N=${r.n}): ${r.failure}`);
  if (runs.some((r) => r.failure)) process.exitCode = 1;
  if (runs.some((r) => r.contested_check && !r.contested_check.passed)) {
    log("FAILED: a code was redeemed twice (or a redemption is inconsistent) in a contested run");
    process.exit(1);
  }
}

cleanUpOnSignals();
main().catch((err) => {
  log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  void cleanUpAll().then(() => process.exit(2));
});
