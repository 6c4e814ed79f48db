/**
 * D on the embedded database: the same scripts as pgbench runs (bench/limit/*.sql), as prepared
 * statements (PREPARE once, EXECUTE each time, like pgbench -M prepared) through PGlite's own
 * query API, `clients` loops at once. PGlite has one connection,
 * so a transaction holds it until it ends (as the server's dialect does): latency includes
 * that wait, as a pgbench client's would include waiting on the server.
 */
import { join } from "node:path";
import type { PGlite, Transaction } from "@electric-sql/pglite";
import { percentiles } from "../lib/stats.js";
import type { DbenchResult } from "./pgbench.js";
import { parseScript, runScript, type Vars } from "./script.js";

export interface PgliteJob {
  readonly script: "lookup_code" | "redeem";
  readonly clients: number;
  readonly durationS: number;
  readonly vars: Record<string, string | number>;
  /** At most this many transactions per client (as pgbench -t), within the duration. */
  readonly transactions?: number;
}

/** Prepared statements outlive a job in the session: names are unique per process. */
let statementCounter = 0;

export async function runPgliteBench(pg: PGlite, dir: string, job: PgliteJob): Promise<DbenchResult> {
  const commands = parseScript(join(dir, `${job.script}.sql`));
  // Prepared statements, as pgbench -M prepared: each statement is planned once, then executed.
  // BEGIN … COMMIT runs inside pglite.transaction(), as the server's dialect does: PGlite then
  // writes its files back once per transaction instead of once per statement.
  const prepared = new Map<string, string>();
  const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;
  let open: { tx: Transaction; finish: (commit: boolean) => void; done: Promise<unknown> } | null = null;
  const executor = {
    query: async (text: string, params: string[]) => {
      const verb = text.trim().toUpperCase();
      if (verb === "BEGIN") {
        let started!: () => void;
        const ready = new Promise<void>((r) => {
          started = r;
        });
        let current: typeof open = null;
        const done = pg.transaction(
          (tx) =>
            new Promise<void>((resolve, reject) => {
              current = {
                tx,
                finish: (commit) => (commit ? resolve() : reject(new Error("rollback"))),
                done: Promise.resolve(),
              };
              started();
            }),
        );
        done.catch(() => undefined);
        await ready;
        open = { ...(current as unknown as NonNullable<typeof open>), done };
        return { rows: [] };
      }
      if (verb === "COMMIT" || verb === "ROLLBACK") {
        const o = open;
        open = null;
        if (o) {
          o.finish(verb === "COMMIT");
          await o.done.catch((err) => {
            if (verb === "COMMIT") throw err;
          });
        }
        return { rows: [] };
      }
      const runner = open?.tx ?? pg;
      let name = prepared.get(text);
      if (!name) {
        name = `bench_${job.script}_${++statementCounter}`;
        await runner.query(`PREPARE ${name} AS ${text}`);
        prepared.set(text, name);
      }
      const sql = params.length ? `EXECUTE ${name}(${params.map(literal).join(", ")})` : `EXECUTE ${name}`;
      const r = await runner.query<Record<string, unknown>>(sql);
      return { rows: r.rows };
    },
  };
  let tail: Promise<void> = Promise.resolve();
  const lock = (): Promise<() => void> => {
    let release!: () => void;
    const next = new Promise<void>((r) => {
      release = r;
    });
    const acquired = tail.then(() => release);
    tail = tail.then(() => next);
    return acquired;
  };
  const samples: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  const end = t0 + job.durationS * 1000;
  const client = async (id: number) => {
    const vars: Vars = new Map(Object.entries(job.vars).map(([k, v]) => [k, String(v)]));
    vars.set("client_id", String(id));
    let done = 0;
    while (performance.now() < end && (job.transactions === undefined || done++ < job.transactions)) {
      const start = performance.now();
      const release = await lock();
      try {
        await runScript(commands, vars, executor);
        samples.push(performance.now() - start);
      } catch {
        failed++;
        await executor.query("ROLLBACK", []).catch(() => undefined);
      } finally {
        release();
      }
    }
  };
  await Promise.all(Array.from({ length: job.clients }, (_, i) => client(i)));
  const seconds = (performance.now() - t0) / 1000;
  return {
    tool: "PGlite query API (bench/limit/script.ts)",
    script: `bench/limit/${job.script}.sql`,
    clients: job.clients,
    duration_s: Math.round(seconds * 10) / 10,
    transactions: samples.length,
    failed,
    tps: Math.round((samples.length / seconds) * 10) / 10,
    latency_ms: percentiles(samples),
  };
}
