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
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import pg from "pg";
import {
  accessToken,
  lookupCodeBody,
  lookupQrBody,
  operatorPost,
  pool,
  QUERY_PATH,
  REDEEM_PATH,
  redeemBody,
  saasPost,
} from "./lib/client.js";
import { classify, type LoadResult, runLoad } from "./lib/load.js";
import { type PacedResult, runPacedLoad } from "./lib/paced-load.js";
import { ResourceSampler } from "./lib/proc.js";
import { type ProfileSummary, summarizeProfile } from "./lib/profile.js";
import { log, Progress } from "./lib/progress.js";
import { renderMarkdown } from "./lib/report.js";
import { freePort, RATE_LIMIT, ROOT, type ServerProcess, spawnNode, startServer } from "./lib/server.js";
import { round } from "./lib/stats.js";
import {
  APP,
  baseWorld,
  codeOf,
  contestedCheckSql,
  itemBatchSql,
  type Layout,
  LOADED_TABLES,
  layout,
  MERCHANT,
  orderOf,
  resetItemsSql,
  SHOP_ID,
  THIRD_SHOP,
} from "./lib/world.js";
import { type DbenchResult, pgbench } from "./limit/pgbench.js";
import type { PgliteJob } from "./limit/pglite-bench.js";

// ---------------------------------------------------------------- options

type Db = "postgres" | "pglite";
type Scenario = "lookup_code" | "lookup_qr" | "redeem" | "contested";
const ALL_SCENARIOS: Scenario[] = ["lookup_code", "lookup_qr", "redeem", "contested"];

interface Options {
  readonly mode: "quick" | "full";
  readonly label: string;
  readonly dbs: Db[];
  readonly sizes: Record<Db, number[]>;
  readonly levels: number[];
  readonly durationS: number;
  readonly warmupS: number;
  readonly scenarios: Scenario[];
  readonly limits: boolean;
  readonly profile: boolean;
  readonly adminUrl: string;
  readonly contestedCodes: number;
  /** Extra paced lookup runs at these fractions of the peak (the latency curve); 0.8 always runs. */
  readonly curve: number[];
  readonly keep: boolean;
}

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim());
  if (!m) throw new Error(`bad size ${s}`);
  const mult = { "": 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2] as string] ?? 1;
  return Math.round(Number(m[1]) * mult);
}

function parseOptions(argv: string[]): Options {
  const has = (f: string) => argv.includes(f);
  const value = (f: string) => {
    const i = argv.indexOf(f);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (has("--help") || has("-h")) {
    process.stdout.write(`npm run bench -- [--quick] [--huge] [--db postgres|pglite|both] [--sizes 10k,1m]
  [--pglite-sizes 10k] [--concurrency 16,32,64] [--duration S] [--warmup S] [--label NAME]
  [--scenarios lookup_code,lookup_qr,redeem,contested] [--no-limits] [--profile]
  [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--contested-codes 4] [--keep]\n`);
    process.exit(0);
  }
  const quick = has("--quick");
  const list = (s: string | undefined) =>
    s
      ?.split(",")
      .map((x) => x.trim())
      .filter(Boolean);
  const dbFlag = value("--db") ?? "both";
  const dbs: Db[] = dbFlag === "both" ? ["postgres", "pglite"] : [dbFlag as Db];
  for (const d of dbs) if (d !== "postgres" && d !== "pglite") throw new Error(`--db ${dbFlag}?`);
  const pgSizes = list(value("--sizes"))?.map(parseSize) ?? (quick ? [10_000] : [10_000, 1_000_000]);
  if (has("--huge")) pgSizes.push(10_000_000);
  const liteSizes =
    list(value("--pglite-sizes"))?.map(parseSize) ??
    (quick ? [10_000] : pgSizes.filter((n) => n <= 1_000_000));
  return {
    mode: quick ? "quick" : "full",
    label: value("--label") ?? (quick ? "quick" : has("--profile") ? "profile" : "full"),
    dbs,
    sizes: { postgres: pgSizes, pglite: liteSizes },
    levels: list(value("--concurrency"))?.map(Number) ?? (quick ? [32] : [16, 32, 64]),
    durationS: Number(value("--duration") ?? (quick ? 5 : 10)),
    warmupS: Number(value("--warmup") ?? (quick ? 2 : 3)),
    scenarios: (list(value("--scenarios")) as Scenario[] | undefined) ?? ALL_SCENARIOS,
    limits: !has("--no-limits"),
    profile: has("--profile"),
    adminUrl:
      value("--database-url") ??
      process.env.BENCH_DATABASE_URL ??
      "postgres://postgres@127.0.0.1:5432/postgres",
    contestedCodes: Number(value("--contested-codes") ?? 4),
    curve: list(value("--curve"))?.map(Number) ?? [],
    keep: has("--keep"),
  };
}

// ---------------------------------------------------------------- cleanup on interrupt

const cleanups: (() => Promise<void>)[] = [];
function onCleanup(fn: () => Promise<void>): () => void {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`\n${signal}: cleaning up`);
    void Promise.allSettled(cleanups.reverse().map((f) => f())).then(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- limits: H

interface LimitH {
  readonly concurrency: number;
  readonly response_bytes: number;
  readonly result: LoadResult;
}

/** H measurements of this invocation by (operation, concurrency); reused across worlds only in --quick. */
const hCache = new Map<string, LimitH>();

interface Canned {
  readonly url: string;
  readonly pid: number;
  readonly bodies: { lookup_code: string; redeem: string };
  stop(): Promise<void>;
}
let canned: Canned | null = null;

/** The canned server: started once per invocation with the first world's real answers, warmed up, kept running. */
async function cannedServer(
  bodies: { lookup_code: string; redeem: string },
  warmupS: number,
  connections: number,
  requestBody: () => string,
): Promise<Canned> {
  if (canned) return canned;
  const dir = mkdtempSync(join(tmpdir(), "bench-h-"));
  const file = join(dir, "bodies.json");
  writeFileSync(file, JSON.stringify({ [QUERY_PATH]: bodies.lookup_code, [REDEEM_PATH]: bodies.redeem }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, stop } = await spawnNode(
    "bench/limit/http-canned.ts",
    ["--port", String(port), "--bodies", file],
    { ...process.env, NODE_OPTIONS: "" },
    async () => (await fetch(`${url}/healthz`)).status === 200,
    [],
    "the canned server",
  );
  const stopAll = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  onCleanup(stopAll);
  log(`  H: bare Fastify, canned answers of ${bodies.lookup_code.length} and ${bodies.redeem.length} bytes`);
  canned = { url, pid: child.pid as number, bodies, stop: stopAll };
  await runLoad({
    url,
    token: "canned",
    serverPid: canned.pid,
    sampleDb: null,
    path: QUERY_PATH,
    endpoint: "query",
    connections,
    durationS: warmupS,
    body: requestBody,
  });
  return canned;
}

async function measureH(
  opts: Options,
  op: "lookup_code" | "redeem",
  c: number,
  bodies: { lookup_code: string; redeem: string },
  requestBody: () => string,
): Promise<LimitH> {
  const key = `${op}:${c}`;
  const cached = hCache.get(key);
  if (cached && opts.mode === "quick") return cached;
  const srv = await cannedServer(bodies, opts.warmupS, c, requestBody);
  const result = await runLoad({
    url: srv.url,
    token: "canned",
    serverPid: srv.pid,
    sampleDb: null,
    path: op === "redeem" ? REDEEM_PATH : QUERY_PATH,
    endpoint: op === "redeem" ? "redeem" : "query",
    connections: c,
    durationS: opts.durationS,
    body: requestBody,
  });
  const h = { concurrency: c, response_bytes: srv.bodies[op].length, result };
  hCache.set(key, h);
  log(`    H ${op} c=${c}: ${result.throughput_rps} rps, p99 ${result.latency_ms.p99} ms`);
  return h;
}

/**
 * The same paced run on the canned server (H) at 80 % of H's own throughput at that concurrency:
 * what p99 the HTTP stack alone shows at that load on this machine, beside ours.
 */
async function pacedH(
  h: LimitH,
  bodies: { lookup_code: string; redeem: string },
  warmupS: number,
  durationS: number,
  requestBody: () => string,
): Promise<{ offered_rate: number; result: PacedResult }> {
  const srv = await cannedServer(bodies, warmupS, h.concurrency, requestBody);
  const offered = Math.max(1, Math.round(0.8 * h.result.throughput_rps));
  const result = await runPacedLoad({
    url: srv.url,
    token: "canned",
    serverPid: srv.pid,
    sampleDb: null,
    path: QUERY_PATH,
    endpoint: "query",
    connections: h.concurrency,
    durationS,
    overallRate: offered,
    body: requestBody,
  });
  log(`    H paced at 80 % of its peak (${offered} rps): p99 ${result.latency_ms.p99} ms`);
  return { offered_rate: offered, result };
}

// ---------------------------------------------------------------- the world on each database

interface Backend {
  readonly db: Db;
  readonly n: number;
  readonly lay: Layout;
  appId: string;
  server: ServerProcess | null;
  /** Items of the redeem range used since its last reset. */
  redeemUsed: number;
  loadSeconds: number;
}

const OPERATOR_TOKEN = `op_bench_${randomBytes(12).toString("hex")}`;

function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

async function pgClient(url: string): Promise<pg.Client> {
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
async function pgliteTool(args: string[], progressLabel?: string, total?: number): Promise<unknown> {
  const { spawn } = await import("node:child_process");
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

// ---------------------------------------------------------------- per world

interface LimitRow {
  readonly concurrency: number;
  readonly D: DbenchResult;
  readonly H: LimitH;
  readonly L: number;
  readonly ours_rps: number;
  readonly ratio: number;
  readonly D_wrapped: boolean;
}

interface ContestedCheck {
  readonly passed: boolean;
  readonly harness_successes: number;
  readonly harness_codes_redeemed_twice: string[];
  readonly db_codes_redeemed_twice: unknown[];
  readonly db_counts: Record<string, number>;
  readonly windows_advanced: number;
  readonly windows_stalled: number;
  readonly note: string;
}

interface WorldRun {
  db: Db;
  n: number;
  layout: Layout;
  load_seconds: number;
  profiled: boolean;
  scenarios: Partial<Record<Scenario, (LoadResult & { wrapped?: boolean })[]>>;
  limits: { lookup_code: LimitRow[]; redeem: LimitRow[] };
  ratios: { lookup_code: number | null; redeem: number | null };
  reference_concurrency: { lookup_code: number | null; redeem: number | null };
  D: { lookup_code: number | null; redeem: number | null };
  H: { lookup_code: number | null; redeem: number | null };
  L: { lookup_code: number | null; redeem: number | null };
  lookup_p99_at_80pct: {
    peak_rps: number;
    concurrency: number;
    offered_rate: number;
    result: PacedResult;
    /** The canned server (H) paced at 80 % of its own throughput at the same concurrency. */
    h_reference: { offered_rate: number; result: PacedResult } | null;
  } | null;
  /** Paced lookups at other fractions of the peak (`--curve`). */
  lookup_curve: { fraction: number; offered_rate: number; result: PacedResult }[];
  contested_check: ContestedCheck | null;
  profile: ProfileSummary | null;
  notes: string[];
  /** Set when the server stopped answering: the remaining measurements of this world were skipped. */
  failure: string | null;
}

class ServerStalled extends Error {
  override name = "ServerStalled";
}

async function healthz(url: string): Promise<string> {
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

const L = (d: number, h: number) => (d > 0 && h > 0 ? 1 / (1 / d + 1 / h) : 0);

async function runWorld(opts: Options, db: Db, n: number, stamp: string): Promise<WorldRun> {
  const lay = layout(n);
  log(`\n== ${db}, ${n.toLocaleString("en")} vouchers ==`);
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${db}-`));
  const profileDir = opts.profile ? join(ROOT, "bench/results/profiles", `${stamp}-${db}-${n}`) : null;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const nodeFlags = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const run: WorldRun = {
    db,
    n,
    layout: lay,
    load_seconds: 0,
    profiled: opts.profile,
    scenarios: {},
    limits: { lookup_code: [], redeem: [] },
    ratios: { lookup_code: null, redeem: null },
    reference_concurrency: { lookup_code: null, redeem: null },
    D: { lookup_code: null, redeem: null },
    H: { lookup_code: null, redeem: null },
    L: { lookup_code: null, redeem: null },
    lookup_p99_at_80pct: null,
    lookup_curve: [],
    contested_check: null,
    profile: null,
    notes: [],
    failure: null,
  };
  const b: Backend = { db, n, lay, appId: "", server: null, redeemUsed: 0, loadSeconds: 0 };
  const redeemSpan = lay.redeem[1] - lay.redeem[0];
  let dbName = "";
  let dbUrl = "";
  let admin: pg.Client | null = null;
  let client: pg.Client | null = null;
  let ridRun = 0;
  const unregister = onCleanup(async () => {
    await b.server?.stop();
    await client?.end().catch(() => undefined);
    if (admin && dbName && !opts.keep)
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const startServerNow = async () => {
    b.server = await startServer({
      ...(dbUrl ? { databaseUrl: dbUrl } : {}),
      dataDir,
      operatorToken: OPERATOR_TOKEN,
      nodeFlags,
    });
  };

  const dVars = (
    script: "lookup_code" | "redeem",
    clients: number,
    base: number,
    span: number,
  ): Record<string, string | number> => {
    ridRun += 1;
    return script === "lookup_code"
      ? { n, merchant: MERCHANT }
      : {
          base,
          span,
          nclients: clients,
          iter: 0,
          rid: (9_000_000_000_000_000_000n + BigInt(ridRun) * 100_000_000_000_000n).toString(),
          now: nowSec(),
          merchant: MERCHANT,
          app: b.appId,
          shop: SHOP_ID,
          third_shop: THIRD_SHOP,
        };
  };

  try {
    // ---- load
    const t0 = performance.now();
    if (db === "postgres") {
      admin = await pgClient(opts.adminUrl);
      dbName = `bench_${stamp.replace(/\D/g, "")}_${n}`;
      await admin.query(`CREATE DATABASE ${dbName}`);
      dbUrl = withDatabase(opts.adminUrl, dbName);
      await startServerNow();
      const now = nowSec();
      await operatorPost((b.server as ServerProcess).url, OPERATOR_TOKEN, "/sandbox/world", baseWorld(now));
      client = await pgClient(dbUrl);
      await client.query("SET session_replication_role = replica");
      const bar = new Progress(`  loading ${n.toLocaleString("en")} vouchers (PostgreSQL)`, n);
      const batch = 50_000;
      for (let a = 0; a < n; a += batch) {
        const e = Math.min(n, a + batch);
        await client.query("BEGIN");
        for (const s of itemBatchSql(a, e, now)) await client.query(s);
        await client.query("COMMIT");
        bar.update(e);
      }
      await client.query("SET session_replication_role = origin");
      await client.query(`VACUUM ANALYZE ${LOADED_TABLES.join(", ")}`);
      const app = await client.query<{ app_id: string }>("SELECT app_id FROM apps WHERE client_key = $1", [
        APP.clientKey,
      ]);
      b.appId = app.rows[0]?.app_id as string;
    } else {
      const loaded = (await pgliteTool(
        ["load", "--data-dir", dataDir, "--n", String(n), "--now", String(nowSec())],
        `  loading ${n.toLocaleString("en")} vouchers (PGlite)`,
        n,
      )) as { app_id: string };
      b.appId = loaded.app_id;
    }
    run.load_seconds = round((performance.now() - t0) / 1000);
    log(`  loaded in ${run.load_seconds} s`);

    // ---- D on the embedded database: before the server takes the data folder
    const pgliteD = new Map<string, DbenchResult & { wrapped: boolean }>();
    if (db === "pglite" && opts.limits) {
      log("  D on PGlite (bench/limit/*.sql through PGlite's query API)");
      const jobs: (PgliteJob & { reset: [number, number] | null; transactions?: number })[] = [];
      for (const c of opts.levels) {
        jobs.push({
          script: "lookup_code",
          clients: c,
          durationS: opts.durationS,
          vars: dVars("lookup_code", c, 0, 0),
          reset: null,
        });
        jobs.push({
          script: "redeem",
          clients: c,
          durationS: opts.durationS,
          vars: dVars("redeem", c, lay.redeem[0], redeemSpan),
          reset: [lay.redeem[0], lay.redeem[1]],
          transactions: Math.floor(redeemSpan / c),
        });
      }
      const results = (await pgliteTool([
        "dbench",
        "--data-dir",
        dataDir,
        "--jobs",
        JSON.stringify(jobs),
      ])) as DbenchResult[];
      results.forEach((r, i) => {
        const job = jobs[i] as PgliteJob;
        pgliteD.set(`${job.script}:${job.clients}`, { ...r, wrapped: false });
        log(`    D ${job.script} c=${job.clients}: ${r.tps} tps, p99 ${r.latency_ms.p99} ms`);
      });
      await pgliteTool([
        "reset",
        "--data-dir",
        dataDir,
        "--from",
        String(lay.redeem[0]),
        "--to",
        String(lay.redeem[1]),
      ]);
      await startServerNow();
    } else if (db === "pglite") {
      await startServerNow();
    }
    const server = () => b.server as ServerProcess;

    // ---- token, sample answers (the canned bodies of H), QRs
    const token = await accessToken(server().url);
    const sampleLookup = await saasPost(server().url, token, QUERY_PATH, lookupCodeBody(codeOf(lay.sample)));
    const sampleRedeem = await saasPost(
      server().url,
      token,
      REDEEM_PATH,
      redeemBody(orderOf(lay.sample), codeOf(lay.sample)),
    );
    for (const [what, r, ep] of [
      ["lookup", sampleLookup, "query"],
      ["redeem", sampleRedeem, "redeem"],
    ] as const) {
      if (classify(ep, r.status, r.text) !== "OK")
        throw new Error(`sample ${what} did not succeed: ${r.status} ${r.text.slice(0, 400)}`);
    }
    const qrOrders = Array.from({ length: lay.qr[1] - lay.qr[0] }, (_, k) => orderOf(lay.qr[0] + k));
    const qrs = await pool(qrOrders, 16, async (o) => {
      const r = (await operatorPost(server().url, OPERATOR_TOKEN, "/sandbox/qr", {
        shop_order_id: o,
        ttl: 86_400,
      })) as {
        data?: { qr_info?: string };
        qr_info?: string;
      };
      const qr = r.data?.qr_info ?? r.qr_info;
      if (!qr) throw new Error(`no qr_info in ${JSON.stringify(r).slice(0, 200)}`);
      return qr;
    });
    log(`  ${qrs.length} QRs issued (ttl 24 h)`);

    // ---- request bodies per scenario
    const randomItem = () => Math.floor(Math.random() * n);
    const lookupBody = () => lookupCodeBody(codeOf(randomItem()));
    const qrBody = () => lookupQrBody(qrs[Math.floor(Math.random() * qrs.length)] as string);

    // ---- H: measured right before D and ours at each level (in --quick once per invocation)
    const hBodies = { lookup_code: sampleLookup.text, redeem: sampleRedeem.text };
    const hRequest = {
      lookup_code: lookupBody,
      redeem: () => redeemBody(orderOf(lay.redeem[0]), codeOf(lay.redeem[0])),
    };
    const hFor = (op: "lookup_code" | "redeem", c: number) => measureH(opts, op, c, hBodies, hRequest[op]);

    // ---- redeem range bookkeeping
    const resetRedeemRange = async () => {
      if (b.redeemUsed === 0) return;
      const used = Math.min(b.redeemUsed, redeemSpan);
      if (db === "postgres" && client) {
        for (const s of resetItemsSql(lay.redeem[0], lay.redeem[0] + used)) await client.query(s);
        await client.query("VACUUM vouchers, execution_orders, sub_fulfillment_orders");
      } else {
        log("    (restarting the embedded server to reset the redeem range)");
        await server().stop();
        await pgliteTool([
          "reset",
          "--data-dir",
          dataDir,
          "--from",
          String(lay.redeem[0]),
          "--to",
          String(lay.redeem[0] + used),
        ]);
        await startServerNow();
        await runLoad({
          ...base(),
          path: QUERY_PATH,
          endpoint: "query",
          connections: opts.levels[0] as number,
          durationS: opts.warmupS,
          body: lookupBody,
        });
      }
      b.redeemUsed = 0;
    };
    const base = () => ({
      url: server().url,
      token,
      serverPid: server().pid,
      sampleDb: db === "postgres" ? dbName : null,
    });

    let redeemRateSeen = 0;
    /** Distinct-code redeems: each request takes the next unused item; the run stops when the range is used up. */
    const redeemRun = async (
      connections: number,
      durationS: number,
    ): Promise<LoadResult & { wrapped: boolean }> => {
      // The embedded server restarts to reset, so it resets only when the rest of the range may not last the run.
      const best = Math.max(redeemRateSeen, ...(run.scenarios.redeem ?? []).map((r) => r.throughput_rps));
      const need = (best || (db === "postgres" ? 1500 : 400)) * durationS * 1.3;
      if (db === "postgres" || redeemSpan - b.redeemUsed < need) await resetRedeemRange();
      let exhausted = false;
      const result = await runLoad({
        ...base(),
        path: REDEEM_PATH,
        endpoint: "redeem",
        connections,
        durationS,
        body: (ctx) => {
          const k = b.redeemUsed++;
          if (k >= redeemSpan) exhausted = true;
          const i = lay.redeem[0] + (k % redeemSpan);
          ctx.i = i;
          return redeemBody(orderOf(i), codeOf(i));
        },
        stopWhen: () => exhausted,
      });
      return { ...result, wrapped: exhausted };
    };

    // ---- contested: a window of a few codes that all clients hammer; it moves on once each of them was redeemed
    const successesByItem = new Map<number, number>();
    let contestedNext = lay.contested[0];
    let windowStart = -1;
    let windowOk = new Set<number>();
    let windowSince = 0;
    let windowsAdvanced = 0;
    let windowsStalled = 0;
    const K = opts.contestedCodes;
    const advance = (stalled: boolean) => {
      if (contestedNext + K > lay.contested[1]) return false;
      windowStart = contestedNext;
      contestedNext += K;
      windowOk = new Set();
      windowSince = performance.now();
      windowsAdvanced++;
      if (stalled) windowsStalled++;
      return true;
    };
    let contestedDone = false;
    const contestedRun = (connections: number, durationS: number) => {
      contestedDone = false;
      if (!advance(false)) contestedDone = true;
      return runLoad({
        ...base(),
        path: REDEEM_PATH,
        endpoint: "redeem",
        connections,
        durationS,
        body: (ctx) => {
          if (performance.now() - windowSince > 1000 && !advance(true)) contestedDone = true;
          const i = windowStart + Math.floor(Math.random() * K);
          ctx.i = i;
          return redeemBody(orderOf(i), codeOf(i));
        },
        onAnswer: (answer, ctx) => {
          if (answer !== "OK") return;
          const i = ctx.i as number;
          successesByItem.set(i, (successesByItem.get(i) ?? 0) + 1);
          if (i >= windowStart && i < windowStart + K) {
            windowOk.add(i);
            if (windowOk.size === K && !advance(false)) contestedDone = true;
          }
        },
        stopWhen: () => contestedDone,
      });
    };

    /** A run without a single answer means the server stopped answering: the rest of this world is skipped. */
    const answered = async (what: string, r: LoadResult) => {
      if (r.answers_total > 0) return;
      const health = await healthz(server().url);
      throw new ServerStalled(
        `the server gave no answer during ${what} (c=${r.connections}, ${r.socket_errors} socket errors, ${r.timeouts} timeouts; server CPU ${r.resources.server_cpu_pct}%; GET /healthz: ${health})`,
      );
    };

    try {
      // ---- warm-up (JIT, pools): not recorded
      const c0 = opts.levels[0] as number;
      log(`  warm-up ${opts.warmupS} s`);
      await runLoad({
        ...base(),
        path: QUERY_PATH,
        endpoint: "query",
        connections: c0,
        durationS: opts.warmupS,
        body: lookupBody,
      });
      if (opts.scenarios.includes("redeem") || opts.scenarios.includes("contested"))
        redeemRateSeen = (await redeemRun(c0, opts.warmupS)).throughput_rps;

      const record = async (s: Scenario, r: LoadResult & { wrapped?: boolean }) => {
        await answered(s, r);
        const list = run.scenarios[s] ?? [];
        list.push(r);
        run.scenarios[s] = list;
        const rows = Object.entries(r.answers)
          .sort((x, y) => y[1] - x[1])
          .map(([k, v]) => `${k}: ${v}`)
          .join(", ");
        log(
          `    ${s} c=${r.connections}${r.offered_rate ? ` rate=${r.offered_rate}/s` : ""}: ${r.throughput_rps} rps (ok ${r.ok_rps}/s), p50 ${r.latency_ms.p50} p90 ${r.latency_ms.p90} p99 ${r.latency_ms.p99} ms, server CPU ${r.resources.server_cpu_pct}% RSS ${r.resources.server_rss_mb_max} MB${r.wrapped ? " (range used up)" : ""} [${rows}]`,
        );
      };

      // ---- the measurements, level by level; on PostgreSQL each D right before ours, so both see the same machine
      const pgD = async (
        script: "lookup_code" | "redeem",
        c: number,
      ): Promise<DbenchResult & { wrapped: boolean }> => {
        if (script === "redeem") await resetRedeemRange();
        const vars = dVars(script, c, lay.redeem[0], redeemSpan);
        // A small world cannot feed a fast pgbench for the whole duration: then a fixed count of distinct codes.
        const perClient = Math.floor(redeemSpan / c);
        const capped = script === "redeem" && redeemSpan < 8000 * opts.durationS;
        const sampler = new ResourceSampler(null, dbName);
        sampler.start();
        const bench = await pgbench({
          url: dbUrl,
          script,
          clients: c,
          durationS: opts.durationS,
          vars,
          ...(capped ? { transactionsPerClient: perClient } : {}),
        });
        // PostgreSQL CPU here misses pgbench's backends (they end with the run); the machine figures hold.
        const r = { ...bench, resources: sampler.stop() };
        if (script === "redeem") b.redeemUsed = Math.min(redeemSpan, r.transactions + c);
        log(
          `    D ${script} c=${c}: ${r.tps} tps, p99 ${r.latency_ms.p99} ms${capped ? ` (${perClient} distinct codes per client)` : ""}`,
        );
        return { ...r, wrapped: script === "redeem" && !capped && r.transactions + c > redeemSpan };
      };
      const limitRow = (
        op: "lookup_code" | "redeem",
        c: number,
        H: LimitH,
        D: DbenchResult & { wrapped: boolean },
        ours: LoadResult,
      ) => {
        const l = L(D.tps, H.result.throughput_rps);
        const row: LimitRow = {
          concurrency: c,
          D,
          H,
          L: round(l),
          ours_rps: ours.throughput_rps,
          ratio: round(ours.throughput_rps / l, 3),
          D_wrapped: D.wrapped,
        };
        run.limits[op].push(row);
        log(
          `    => ${op} c=${c}: D ${D.tps}, H ${H.result.throughput_rps}, L ${row.L}, ours ${ours.throughput_rps} rps = ${row.ratio} L`,
        );
      };

      for (const c of opts.levels) {
        log(`  concurrency ${c}`);
        if (opts.scenarios.includes("lookup_code")) {
          const H = opts.limits ? await hFor("lookup_code", c) : undefined;
          const D = opts.limits
            ? db === "postgres"
              ? await pgD("lookup_code", c)
              : pgliteD.get(`lookup_code:${c}`)
            : undefined;
          const ours = await runLoad({
            ...base(),
            path: QUERY_PATH,
            endpoint: "query",
            connections: c,
            durationS: opts.durationS,
            body: lookupBody,
          });
          await record("lookup_code", ours);
          if (D && H) limitRow("lookup_code", c, H, D, ours);
        }
        if (opts.scenarios.includes("redeem")) {
          const H = opts.limits ? await hFor("redeem", c) : undefined;
          const D = opts.limits
            ? db === "postgres"
              ? await pgD("redeem", c)
              : pgliteD.get(`redeem:${c}`)
            : undefined;
          const ours = await redeemRun(c, opts.durationS);
          await record("redeem", ours);
          if (D && H) limitRow("redeem", c, H, D, ours);
        }
        if (opts.scenarios.includes("lookup_qr")) {
          await record(
            "lookup_qr",
            await runLoad({
              ...base(),
              path: QUERY_PATH,
              endpoint: "query",
              connections: c,
              durationS: opts.durationS,
              body: qrBody,
            }),
          );
        }
        if (opts.scenarios.includes("contested"))
          await record("contested", await contestedRun(c, opts.durationS));
      }

      // ---- lookup p99 at 80 % of the peak throughput (a fixed offered rate)
      const lookups = run.scenarios.lookup_code ?? [];
      if (lookups.length) {
        const peak = lookups.reduce((a, r) => (r.throughput_rps > a.throughput_rps ? r : a));
        const rate = Math.max(1, Math.round(0.8 * peak.throughput_rps));
        log(
          `  lookup at 80 % of peak: ${rate} rps offered (peak ${peak.throughput_rps} at c=${peak.connections})`,
        );
        const pacedLookup = (overallRate: number) =>
          runPacedLoad({
            ...base(),
            path: QUERY_PATH,
            endpoint: "query",
            connections: peak.connections,
            durationS: opts.durationS,
            overallRate,
            body: lookupBody,
          });
        const r = await pacedLookup(rate);
        await record("lookup_code", { ...r });
        lookups.pop(); // kept apart from the fixed-concurrency list
        const hAtPeak = run.limits.lookup_code.find((l) => l.concurrency === peak.connections)?.H;
        run.lookup_p99_at_80pct = {
          peak_rps: peak.throughput_rps,
          concurrency: peak.connections,
          offered_rate: rate,
          result: r,
          h_reference: hAtPeak
            ? await pacedH(hAtPeak, hBodies, opts.warmupS, opts.durationS, lookupBody)
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

      // ---- headline figures: at the concurrency where our throughput peaks
      for (const op of ["lookup_code", "redeem"] as const) {
        const rows = run.limits[op];
        if (!rows.length) continue;
        const best = rows.reduce((a, r) => (r.ours_rps > a.ours_rps ? r : a));
        run.ratios[op] = best.ratio;
        run.reference_concurrency[op] = best.concurrency;
        run.D[op] = best.D.tps;
        run.H[op] = best.H.result.throughput_rps;
        run.L[op] = best.L;
      }
    } catch (err) {
      if (!(err instanceof ServerStalled)) throw err;
      run.failure = err.message;
      log(`  FAILED: ${err.message}; the rest of this world is skipped`);
      return run;
    }

    // ---- stop, then the double-redeem check of the contested range
    await server().stop();
    b.server = null;
    if (opts.scenarios.includes("contested")) {
      const [a, e] = [lay.contested[0], contestedNext];
      const doublesHarness = [...successesByItem.entries()].filter(([, k]) => k > 1).map(([i]) => codeOf(i));
      let dbDoubles: unknown[] = [];
      let counts: Record<string, number> = {};
      if (db === "postgres" && client) {
        const q = contestedCheckSql(a, e);
        dbDoubles = (await client.query(q.doubles)).rows;
        counts = (await client.query(q.counts)).rows[0] as Record<string, number>;
      } else {
        const r = (await pgliteTool([
          "check",
          "--data-dir",
          dataDir,
          "--from",
          String(a),
          "--to",
          String(e),
        ])) as {
          doubles: unknown[];
          counts: Record<string, number>;
        };
        dbDoubles = r.doubles;
        counts = r.counts;
      }
      const harnessOk = [...successesByItem.values()].reduce((x, y) => x + y, 0);
      const consistent = counts.redemptions === counts.finished && counts.orphans === 0;
      run.contested_check = {
        passed: doublesHarness.length === 0 && dbDoubles.length === 0 && consistent,
        harness_successes: harnessOk,
        harness_codes_redeemed_twice: doublesHarness,
        db_codes_redeemed_twice: dbDoubles,
        db_counts: counts,
        windows_advanced: windowsAdvanced,
        windows_stalled: windowsStalled,
        note: `items ${a}..${e - 1} (${e - a} codes, ${K} at a time): per code at most one success answer and at most one live redemption; every FINISH voucher has its redemption`,
      };
      log(
        `  contested check: ${run.contested_check.passed ? "passed" : "FAILED"} (${harnessOk} success answers, db ${JSON.stringify(counts)}, twice: harness ${doublesHarness.length}, db ${dbDoubles.length})`,
      );
    }
    if (profileDir) {
      // The main thread's profile (thread id 0); worker threads write their own.
      const files = readdirSync(profileDir).filter((f) => f.endsWith(".cpuprofile"));
      const file = files.find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)) ?? files[0];
      if (file) {
        const windows = Object.values(run.scenarios).flatMap((list) => (list ?? []).map((r) => r.window_us));
        if (run.lookup_p99_at_80pct) windows.push(run.lookup_p99_at_80pct.result.window_us);
        run.profile = summarizeProfile(join(profileDir, file), windows);
        log(`  profile: ${join(profileDir, file)}`);
        for (const f of run.profile.top_functions.slice(0, 15))
          log(`    ${String(f.self_pct).padStart(5)}%  ${f.fn}  ${f.where}`);
        log(`    by area: ${JSON.stringify(run.profile.by_area)}`);
      }
    }
    if (db === "pglite")
      run.notes.push(
        "D on the embedded database runs the same scripts through PGlite's query API (pgbench cannot reach PGlite).",
      );
    return run;
  } finally {
    await b.server?.stop();
    await client?.end().catch(() => undefined);
    if (admin) {
      if (dbName && !opts.keep)
        await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
      await admin.end().catch(() => undefined);
    }
    if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
    unregister();
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = new Date();
  const t0 = performance.now();
  const stamp = started.toISOString().slice(0, 16).replace(/:/g, "-");
  let pgVersion: string | null = null;
  if (opts.dbs.includes("postgres")) {
    const c = await pgClient(opts.adminUrl);
    pgVersion = ((await c.query("SELECT version()")).rows[0] as { version: string }).version;
    await c.end();
  }
  log(
    `bench ${opts.mode}: databases ${opts.dbs.join(", ")}, sizes ${JSON.stringify(opts.sizes)}, concurrency ${opts.levels.join("/")}, ${opts.durationS} s per run; rate limit raised to ${RATE_LIMIT}/s by FULFILL_RATE_LIMIT`,
  );
  const runs: WorldRun[] = [];
  for (const db of opts.dbs) {
    for (const n of opts.sizes[db]) runs.push(await runWorld(opts, db, n, stamp));
  }

  await canned?.stop();
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
  const wall = round((performance.now() - t0) / 1000);
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
      ratio:
        "our throughput / L at the same concurrency; the headline ratio is taken at the concurrency of our peak throughput",
    },
    ratios: headline ? { redeem: headline.ratios.redeem, lookup_code: headline.ratios.lookup_code } : null,
    D: headline?.D ?? null,
    H: headline?.H ?? null,
    L: headline?.L ?? null,
    headline: headline
      ? { db: headline.db, n: headline.n, reference_concurrency: headline.reference_concurrency }
      : null,
    criteria,
    runs,
  };
  const dir = join(ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${stamp}-${opts.label}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  const md = renderMarkdown(results);
  writeFileSync(`${base}.md`, md);
  process.stdout.write(`\n${md}\n`);
  log(`results: ${base}.json, ${base}.md (${wall} s)`);
  for (const r of runs) if (r.failure) log(`FAILED (${r.db}, N=${r.n}): ${r.failure}`);
  if (runs.some((r) => r.failure)) process.exitCode = 1;
  if (runs.some((r) => r.contested_check && !r.contested_check.passed)) {
    log("FAILED: a code was redeemed twice (or a redemption is inconsistent) in a contested run");
    process.exit(1);
  }
}

main().catch((err) => {
  log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  void Promise.allSettled(cleanups.map((f) => f())).then(() => process.exit(2));
});
