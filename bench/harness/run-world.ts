/**
 * One world, start to end: load it, D on the embedded database (before its server starts), the
 * warm-up, every level, the paced lookups, the headline; then the double-redeem check and the
 * profile. A server that stops answering ends the world's measurements, recorded as its failure.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { summarizeProfile } from "../lib/profile.js";
import { log } from "../lib/progress.js";
import { ContestedRange } from "./contested.js";
import { measureLevel } from "./levels.js";
import { type DResult, dOnPglite } from "./limit-d.js";
import { pacedLookups } from "./lookup-paced.js";
import type { Db, Options } from "./options.js";
import { ServerStalled, warmUp } from "./ours.js";
import { redeemMany } from "./redeem-many.js";
import { setHeadline, type WorldRun } from "./run-record.js";
import {
  closeSession,
  loadSessionWorld,
  openSession,
  type Session,
  server,
  startSessionServer,
} from "./session.js";
import { prepareTraffic, type Traffic } from "./traffic.js";

export async function runWorld(opts: Options, db: Db, n: number, stamp: string): Promise<WorldRun> {
  const s = openSession(opts, db, n, stamp);
  const { run } = s;
  try {
    await loadSessionWorld(s);
    let pgliteD = new Map<string, DResult>();
    if (db === "pglite") {
      if (opts.limits) pgliteD = await dOnPglite(s);
      await startSessionServer(s);
    }
    const traffic = await prepareTraffic(s);
    const contested = new ContestedRange(s.lay.contested, opts.contestedCodes);
    try {
      await measure(s, traffic, pgliteD, contested);
    } catch (err) {
      if (!(err instanceof ServerStalled)) throw err;
      run.failure = err.message;
      log(`  FAILED: ${err.message}; the rest of this world is skipped`);
      return run;
    }
    await server(s).stop();
    s.server = null;
    if (opts.scenarios.includes("contested")) run.contested_check = await contested.check(s);
    summarizeRunProfile(s);
    if (db === "pglite")
      run.notes.push(
        "D on the embedded database runs the same scripts through PGlite's query API (pgbench cannot reach PGlite).",
      );
    return run;
  } finally {
    await closeSession(s);
  }
}

/** The warm-up, then level by level, then the lookups at a fixed rate, then the headline figures. */
async function measure(
  s: Session,
  t: Traffic,
  pgliteD: Map<string, DResult>,
  contested: ContestedRange,
): Promise<void> {
  await warmUp(s, t);
  for (const c of s.opts.levels) await measureLevel(s, t, c, pgliteD, contested);
  await pacedLookups(s, t);
  setHeadline(s.run);
  await redeemMany(s, t);
}

/** The main thread's CPU profile (thread id 0; worker threads write their own), over the measured windows. */
function summarizeRunProfile(s: Session): void {
  const { profileDir, run } = s;
  if (!profileDir) return;
  const files = readdirSync(profileDir).filter((f) => f.endsWith(".cpuprofile"));
  const file = files.find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)) ?? files[0];
  if (!file) return;
  const windows = Object.values(run.scenarios).flatMap((list) => (list ?? []).map((r) => r.window_us));
  if (run.lookup_p99_at_half_peak) windows.push(run.lookup_p99_at_half_peak.result.window_us);
  run.profile = summarizeProfile(join(profileDir, file), windows);
  log(`  profile: ${join(profileDir, file)}`);
  for (const f of run.profile.top_functions.slice(0, 15))
    log(`    ${String(f.self_pct).padStart(5)}%  ${f.fn}  ${f.where}`);
  log(`    by area: ${JSON.stringify(run.profile.by_area)}`);
}
