/**
 * One world on one database: its scratch database or data folder, the base world (sent as a
 * sandbox world) and N vouchers (bulk SQL, bench/lib/world.ts), the server as a child process,
 * and the teardown. The Session is the state the measurements of that world share.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { operatorPost } from "../lib/client.js";
import { log, Progress } from "../lib/progress.js";
import { ROOT, type ServerProcess, startServer } from "../lib/server.js";
import { round } from "../lib/stats.js";
import { APP, baseWorld, itemBatchSql, type Layout, LOADED_TABLES, layout, MULTI } from "../lib/world.js";
import { onCleanup } from "./cleanup.js";
import type { Db, Options } from "./options.js";
import { emptyRun, type WorldRun } from "./run-record.js";

export const OPERATOR_TOKEN = `op_bench_${randomBytes(12).toString("hex")}`;

export interface Session {
  readonly opts: Options;
  /** The invocation's start (names the scratch database and the profile folder). */
  readonly stamp: string;
  readonly db: Db;
  readonly n: number;
  readonly lay: Layout;
  readonly redeemSpan: number;
  readonly dataDir: string;
  readonly profileDir: string | null;
  readonly nodeFlags: string[];
  readonly run: WorldRun;
  dbName: string;
  dbUrl: string;
  admin: pg.Client | null;
  client: pg.Client | null;
  appId: string;
  server: ServerProcess | null;
  /** Items of the redeem range used since its last reset. */
  redeemUsed: number;
  /** The best distinct-code redeem rate seen (the warm-up's), to judge when the range needs a reset. */
  redeemRateSeen: number;
  /** pgbench runs of D so far (each takes its own range of redeem ids). */
  ridRun: number;
  unregister: () => void;
}

export function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

export async function pgClient(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** The PGlite tool as a child process (no server may hold the data folder meanwhile). */
export async function pgliteTool(args: string[], progressLabel?: string, total?: number): Promise<unknown> {
  const bar = progressLabel && total ? new Progress(progressLabel, total) : null;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "bench/tools/pglite-tool.ts"), ...args],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NODE_OPTIONS: "" },
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      for (const line of c.toString().split("\n")) {
        const m = /^PROGRESS (\d+) (\d+)/.exec(line);
        if (m) bar?.update(Number(m[1]));
        else if (line) err = `${err}${line}\n`.slice(-4000);
      }
    });
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`pglite-tool ${args[0]} exited ${code}:\n${err}`));
      const last = out.trim().split("\n").pop() ?? "null";
      resolve(JSON.parse(last));
    });
  });
}

export async function healthz(url: string): Promise<string> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 5000);
  try {
    const r = await fetch(`${url}/healthz`, { signal: controller.signal });
    return `${r.status} ${(await r.text()).slice(0, 100)}`;
  } catch (err) {
    return `no answer in 5 s (${err instanceof Error ? err.name : String(err)})`;
  } finally {
    clearTimeout(timer);
  }
}

/** A session for N vouchers on `db`: its data folder (and profile folder), cleaned up on interrupt. */
export function openSession(opts: Options, db: Db, n: number, stamp: string): Session {
  const lay = layout(n);
  log(`\n== ${db}, ${n.toLocaleString("en")} vouchers ==`);
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${db}-`));
  const profileDir = opts.profile ? join(ROOT, "bench/results/profiles", `${stamp}-${db}-${n}`) : null;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const s: Session = {
    opts,
    stamp,
    db,
    n,
    lay,
    redeemSpan: lay.redeem[1] - lay.redeem[0],
    dataDir,
    profileDir,
    nodeFlags: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
    run: emptyRun(opts, db, n, lay),
    dbName: "",
    dbUrl: "",
    admin: null,
    client: null,
    appId: "",
    server: null,
    redeemUsed: 0,
    redeemRateSeen: 0,
    ridRun: 0,
    unregister: () => undefined,
  };
  s.unregister = onCleanup(async () => {
    await s.server?.stop();
    await s.client?.end().catch(() => undefined);
    if (s.admin && s.dbName && !opts.keep)
      await s.admin.query(`DROP DATABASE IF EXISTS ${s.dbName} WITH (FORCE)`).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });
  return s;
}

export async function startSessionServer(s: Session): Promise<void> {
  s.server = await startServer({
    ...(s.dbUrl ? { databaseUrl: s.dbUrl } : {}),
    dataDir: s.dataDir,
    operatorToken: OPERATOR_TOKEN,
    nodeFlags: s.nodeFlags,
  });
}

/** The running server (the caller knows one is running). */
export function server(s: Session): ServerProcess {
  return s.server as ServerProcess;
}

/** The world: the base entities and N vouchers, on PostgreSQL through the running server, on PGlite by the tool. */
export async function loadSessionWorld(s: Session): Promise<void> {
  const t0 = performance.now();
  if (s.db === "postgres") await loadOnPostgres(s);
  else {
    const loaded = (await pgliteTool(
      ["load", "--data-dir", s.dataDir, "--n", String(s.n), "--now", String(nowSec())],
      `  loading ${s.n.toLocaleString("en")} vouchers (PGlite)`,
      s.n,
    )) as { app_id: string };
    s.appId = loaded.app_id;
  }
  s.run.load_seconds = round((performance.now() - t0) / 1000);
  log(`  loaded in ${s.run.load_seconds} s`);
}

/** A scratch database; the server loads the base world (POST /sandbox/world), then the items in batches of bulk SQL. */
async function loadOnPostgres(s: Session): Promise<void> {
  const { opts, n } = s;
  s.admin = await pgClient(opts.adminUrl);
  s.dbName = `bench_${s.stamp.replace(/\D/g, "")}_${n}`;
  await s.admin.query(`CREATE DATABASE ${s.dbName}`);
  s.dbUrl = withDatabase(opts.adminUrl, s.dbName);
  await startSessionServer(s);
  const now = nowSec();
  await operatorPost(server(s).url, OPERATOR_TOKEN, "/sandbox/world", baseWorld(now));
  const client = await pgClient(s.dbUrl);
  s.client = client;
  await client.query("SET session_replication_role = replica");
  const bar = new Progress(`  loading ${n.toLocaleString("en")} vouchers (PostgreSQL)`, n);
  const batch = 50_000;
  for (let a = 0; a < n; a += batch) {
    const e = Math.min(n, a + batch);
    await client.query("BEGIN");
    for (const statement of itemBatchSql(a, e, now)) await client.query(statement);
    await client.query("COMMIT");
    bar.update(e);
  }
  if (opts.scenarios.includes("redeem_100")) {
    const first = n;
    const end = n + MULTI.orders * MULTI.perOrder;
    await client.query("BEGIN");
    for (const statement of itemBatchSql(first, end, now, MULTI.perOrder)) await client.query(statement);
    await client.query("COMMIT");
    log(`  ${MULTI.orders} orders of ${MULTI.perOrder} codes loaded (redeem_100)`);
  }
  await client.query("SET session_replication_role = origin");
  await client.query(`VACUUM ANALYZE ${LOADED_TABLES.join(", ")}`);
  const app = await client.query<{ app_id: string }>("SELECT app_id FROM apps WHERE client_key = $1", [
    APP.clientKey,
  ]);
  s.appId = app.rows[0]?.app_id as string;
}

/** Stops the server, closes the connections, drops the scratch database and the data folder (unless --keep). */
export async function closeSession(s: Session): Promise<void> {
  await s.server?.stop();
  await s.client?.end().catch(() => undefined);
  if (s.admin) {
    if (s.dbName && !s.opts.keep)
      await s.admin.query(`DROP DATABASE IF EXISTS ${s.dbName} WITH (FORCE)`).catch(() => undefined);
    await s.admin.end().catch(() => undefined);
  }
  if (!s.opts.keep) rmSync(s.dataDir, { recursive: true, force: true });
  s.unregister();
}
