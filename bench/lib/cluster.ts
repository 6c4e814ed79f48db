/**
 * A private PostgreSQL cluster for one bench invocation: `initdb` into a temporary folder, started
 * on a free loopback port with `shared_preload_libraries=pg_stat_statements`, so that
 *  - every `postgres` process of it works for the bench (its CPU, read from /proc through the
 *    postmaster: its own, its live children's, and the children it has reaped, `cutime`/`cstime`,
 *    which counts the backends of pgbench's connections that ended in the window);
 *  - `pg_stat_statements` lists where the database's time goes, statement by statement.
 * It takes the settings the admin URL's cluster was configured with (shared_buffers, autovacuum,
 * WAL sizes, fsync, synchronous_commit, max_connections), so figures stay comparable with runs on
 * it. As root, initdb and postgres run as the `postgres` user (deploy/local-cluster.sh's setpriv).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { setPostmaster } from "./proc.js";
import { freePort } from "./server.js";

const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** The settings copied from the reference cluster (when it answers). */
const MIRRORED = [
  "shared_buffers",
  "autovacuum",
  "max_wal_size",
  "min_wal_size",
  "fsync",
  "synchronous_commit",
  "full_page_writes",
  "wal_level",
  "max_connections",
  "work_mem",
  "jit",
  "checkpoint_timeout",
];

export interface PrivateCluster {
  /** Admin URL (database `postgres`). */
  readonly url: string;
  readonly postmasterPid: number;
  readonly dir: string;
  /** The settings it runs with that are not initdb's defaults. */
  readonly settings: Record<string, string>;
  stop(): Promise<void>;
}

/** True when this machine can start one (initdb and the pg_stat_statements library exist). */
export function privateClusterPossible(): boolean {
  return existsSync(join(PG_BIN, "initdb")) && existsSync("/usr/lib/postgresql/15/lib/pg_stat_statements.so");
}

/** The reference cluster's value of each mirrored setting, with its unit (as postgres -c takes it). */
async function mirroredSettings(referenceUrl: string): Promise<Record<string, string>> {
  const c = new pg.Client({ connectionString: referenceUrl });
  try {
    await c.connect();
    const r = await c.query<{ name: string; setting: string; unit: string | null }>(
      "SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)",
      [MIRRORED],
    );
    const out: Record<string, string> = {};
    for (const row of r.rows) {
      // shared_buffers is in 8 kB pages, WAL sizes in MB, work_mem in kB, checkpoint_timeout in s.
      const unit = row.unit === "8kB" ? "" : (row.unit ?? "");
      out[row.name] = row.unit === "8kB" ? `${(Number(row.setting) * 8) / 1024}MB` : `${row.setting}${unit}`;
    }
    return out;
  } catch {
    return {};
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function startPrivateCluster(referenceUrl: string): Promise<PrivateCluster> {
  const root = process.getuid?.() === 0;
  const asPostgres = (cmd: string, args: string[]): [string, string[]] =>
    root
      ? ["setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", cmd, ...args]]
      : [cmd, args];
  const dir = mkdtempSync(join(tmpdir(), "bench-cluster-"));
  chmodSync(dir, 0o700);
  if (root) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  const [initCmd, initArgs] = asPostgres(join(PG_BIN, "initdb"), [
    "-D",
    data,
    "-U",
    "postgres",
    "-A",
    "trust",
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  execFileSync(initCmd, initArgs, { stdio: ["ignore", "pipe", "pipe"] });
  const settings = await mirroredSettings(referenceUrl);
  const port = await freePort();
  const params: Record<string, string> = {
    ...settings,
    port: String(port),
    listen_addresses: "127.0.0.1",
    unix_socket_directories: dir,
    shared_preload_libraries: "pg_stat_statements",
    "pg_stat_statements.max": "5000",
    "pg_stat_statements.track": "top",
    "pg_stat_statements.track_planning": "on",
    "pg_stat_statements.save": "off",
    logging_collector: "off",
  };
  const args = ["-D", data];
  for (const [k, v] of Object.entries(params)) args.push("-c", `${k}=${v}`);
  const [cmd, cmdArgs] = asPostgres(join(PG_BIN, "postgres"), args);
  const child: ChildProcess = spawn(cmd, cmdArgs, {
    stdio: ["ignore", "ignore", "pipe"],
    detached: false,
  });
  let err = "";
  child.stderr?.on("data", (b: Buffer) => {
    err = `${err}${b.toString()}`.slice(-4000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`the private cluster did not start:\n${err}`);
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      await c.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      await c.end();
      break;
    } catch {
      await c.end().catch(() => undefined);
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`the private cluster did not answer in 30 s:\n${err}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  // setpriv execs, so the child's pid is the postmaster's.
  const pidFile = join(data, "postmaster.pid");
  const postmasterPid = Number(readFileSync(pidFile, "utf8").split("\n")[0]) || (child.pid as number);
  setPostmaster(postmasterPid);
  return {
    url,
    postmasterPid,
    dir,
    settings: params,
    stop: async () => {
      setPostmaster(null);
      if (!exited) {
        process.kill(postmasterPid, "SIGINT"); // fast shutdown
        const timer = setTimeout(() => {
          if (!exited) process.kill(postmasterPid, "SIGKILL");
        }, 15_000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface StatementRow {
  readonly query: string;
  readonly calls: number;
  readonly total_ms: number;
  readonly mean_ms: number;
  readonly plan_ms: number;
  readonly rows: number;
  readonly shared_blks_hit: number;
  readonly shared_blks_read: number;
  readonly shared_blks_dirtied: number;
  readonly wal_records: number;
  readonly wal_bytes: number;
}

/** Forgets every statement's figures (the start of a measured window). */
export async function resetStatements(adminUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query("SELECT pg_stat_statements_reset()");
  await c.end();
}

/** The statements of database `db` since the last reset, by total time (execution + planning). */
export async function readStatements(adminUrl: string, db: string, limit = 25): Promise<StatementRow[]> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const r = await c.query(
      `SELECT query, calls, total_exec_time + total_plan_time AS total_ms, total_plan_time AS plan_ms, rows,
              shared_blks_hit, shared_blks_read, shared_blks_dirtied, wal_records, wal_bytes
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = $1
        ORDER BY total_exec_time + total_plan_time DESC
        LIMIT $2`,
      [db, limit],
    );
    return r.rows.map((x) => ({
      query: String(x.query).replace(/\s+/g, " ").slice(0, 400),
      calls: Number(x.calls),
      total_ms: Math.round(Number(x.total_ms) * 10) / 10,
      mean_ms: Math.round((Number(x.total_ms) / Math.max(1, Number(x.calls))) * 1000) / 1000,
      plan_ms: Math.round(Number(x.plan_ms) * 10) / 10,
      rows: Number(x.rows),
      shared_blks_hit: Number(x.shared_blks_hit),
      shared_blks_read: Number(x.shared_blks_read),
      shared_blks_dirtied: Number(x.shared_blks_dirtied),
      wal_records: Number(x.wal_records),
      wal_bytes: Number(x.wal_bytes),
    }));
  } finally {
    await c.end();
  }
}
