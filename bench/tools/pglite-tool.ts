/**
 * Work on the embedded database while no server holds its data folder (PGlite is one process):
 *   load   --data-dir D --n N --now T         create it, load the base world and N vouchers
 *   reset  --data-dir D --from A --to B       items [A, B) back to WAIT_FULFILL
 *   check  --data-dir D --from A --to B       the double-redeem check over the contested range
 *   dbench --data-dir D --jobs JSON           D: the bench/limit/ scripts, bare, on PGlite
 * Progress lines go to stderr as "PROGRESS done total"; the answer is one JSON line on stdout.
 */
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "kysely";
import { loadWorld } from "../../packages/server/src/sandbox/world-loader.js";
import { openSystem } from "../../packages/server/src/system.js";
import {
  APP,
  baseWorld,
  contestedCheckSql,
  itemBatchSql,
  LOADED_TABLES,
  resetItemsSql,
} from "../lib/world.js";
import { LIMIT_DIR } from "../limit/pgbench.js";
import { type PgliteJob, runPgliteBench } from "../limit/pglite-bench.js";

function flag(name: string): string {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) throw new Error(`missing ${name}`);
  return v;
}

async function main(): Promise<void> {
  const command = process.argv[2];
  const dataDir = flag("--data-dir");
  if (command === "dbench") {
    const jobs = JSON.parse(flag("--jobs")) as (PgliteJob & { reset?: [number, number] | null })[];
    const pg = await PGlite.create(join(dataDir, "pglite"), { parsers: { 20: (v: string) => v } });
    try {
      const results = [];
      for (const job of jobs) {
        if (job.reset) {
          for (const s of resetItemsSql(job.reset[0], job.reset[1])) await pg.query(s);
          for (const t of ["vouchers", "execution_orders", "sub_fulfillment_orders"])
            await pg.query(`VACUUM ${t}`);
        }
        results.push(await runPgliteBench(pg, LIMIT_DIR, job));
      }
      process.stdout.write(`${JSON.stringify(results)}\n`);
    } finally {
      await pg.close();
    }
    return;
  }
  const system = await openSystem({ dataDir });
  const db = system.database.db;
  try {
    if (command === "load") {
      const n = Number(flag("--n"));
      const now = Number(flag("--now"));
      await loadWorld(system.world, system.secrets, system.ids, baseWorld(now));
      const batch = 50_000;
      await sql`SET session_replication_role = replica`.execute(db);
      for (let a = 0; a < n; a += batch) {
        const b = Math.min(n, a + batch);
        await db.transaction().execute(async (tx) => {
          for (const s of itemBatchSql(a, b, now)) await sql.raw(s).execute(tx);
        });
        process.stderr.write(`PROGRESS ${b} ${n}\n`);
      }
      await sql`SET session_replication_role = origin`.execute(db);
      for (const t of LOADED_TABLES) await sql.raw(`VACUUM ANALYZE ${t}`).execute(db);
    } else if (command === "reset") {
      for (const s of resetItemsSql(Number(flag("--from")), Number(flag("--to"))))
        await sql.raw(s).execute(db);
      for (const t of ["vouchers", "execution_orders", "sub_fulfillment_orders"])
        await sql.raw(`VACUUM ${t}`).execute(db);
    } else if (command === "check") {
      const q = contestedCheckSql(Number(flag("--from")), Number(flag("--to")));
      const doubles = (await sql.raw(q.doubles).execute(db)).rows;
      const counts = (await sql.raw(q.counts).execute(db)).rows[0];
      process.stdout.write(`${JSON.stringify({ doubles, counts })}\n`);
      return;
    } else {
      throw new Error(`unknown command ${command}`);
    }
    const app = await sql<{
      app_id: string;
    }>`SELECT app_id FROM apps WHERE client_key = ${APP.clientKey}`.execute(db);
    process.stdout.write(`${JSON.stringify({ app_id: app.rows[0]?.app_id ?? null })}\n`);
  } finally {
    await system.close();
  }
}

main().catch((err) => {
  process.stderr.write(`pglite-tool: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
