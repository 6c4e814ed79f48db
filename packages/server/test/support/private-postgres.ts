/**
 * Private PostgreSQL clusters for tests that need a database they can break: stop it, start it
 * again, put a streaming replica behind it and pause its replay. Never the machine's shared
 * cluster: each cluster lives in a fresh temporary folder, on a free random port of 127.0.0.1,
 * with its Unix socket in its own folder.
 *
 * initdb and postgres refuse to run as root, so when the tests run as root every PostgreSQL
 * program runs as the `postgres` OS user (runuser), in folders that user owns.
 *
 * Cleanup: destroy() stops a cluster and removes its folder. Clusters still alive when the
 * process exits (a failed test, a signal) are stopped and removed by an exit hook, and a small
 * detached watchdog removes them even if the process is killed outright (SIGKILL).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

export type StopMode = "smart" | "fast" | "immediate";

export interface ClusterOptions {
  /** Extra postgresql.conf settings (they override the defaults below). */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
  /** How long pg_ctl may wait for the server to start or stop (seconds). Default 60. */
  readonly pgCtlTimeoutSec?: number;
  /** A prefix for the temporary folder's name. */
  readonly name?: string;
}

export interface PrivateCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust auth). */
  readonly url: string;
  readonly port: number;
  /** The cluster's data directory (PGDATA). */
  readonly dataDir: string;
  /** The temporary folder holding the data directory, the socket and the server log. */
  readonly baseDir: string;
  /** True between a successful start and a stop. */
  readonly running: boolean;
  /** `pg_ctl stop -m <mode>` (default fast); a no-op when the server is not running. */
  stop(mode?: StopMode): Promise<void>;
  /** Starts the server again, on the same port. */
  start(): Promise<void>;
  /** stop(mode) then start(). */
  restart(mode?: StopMode): Promise<void>;
  /** Stops the server (immediate) and removes its folder. Idempotent. */
  destroy(): Promise<void>;
  /** The last lines of the server log, for error messages. */
  logTail(lines?: number): string;
}

export interface PrivateReplica extends PrivateCluster {
  readonly primary: PrivateCluster;
  /** `SELECT pg_wal_replay_pause()`: WAL still streams in, but nothing more is applied. */
  pauseReplay(): Promise<void>;
  /** `SELECT pg_wal_replay_resume()`. */
  resumeReplay(): Promise<void>;
  /**
   * Waits until the replica has replayed the primary's current WAL insert position (with
   * asynchronous commit a committed record may not be written yet, so not pg_current_wal_lsn).
   */
  waitCaughtUp(timeoutMs?: number): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Running PostgreSQL programs

const isRoot = process.getuid?.() === 0;
let postgresIds: { uid: number; gid: number } | null = null;

function postgresUser(): { uid: number; gid: number } {
  if (!postgresIds) {
    try {
      postgresIds = {
        uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
        gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
      };
    } catch {
      throw new Error("running as root, but there is no `postgres` OS user to run PostgreSQL as");
    }
  }
  return postgresIds;
}

function command(program: string, args: readonly string[]): { file: string; args: string[] } {
  const path = join(BIN, program);
  if (!existsSync(path)) throw new Error(`${path} not found (set PG_BIN to the PostgreSQL bin folder)`);
  return isRoot
    ? { file: "runuser", args: ["-u", "postgres", "--", path, ...args] }
    : { file: path, args: [...args] };
}

/** Runs a PostgreSQL program to its end, with a timeout; rejects with its output on failure. */
function run(
  program: string,
  args: readonly string[],
  opts: { cwd: string; timeoutMs: number },
): Promise<string> {
  const { file, args: argv } = command(program, args);
  return new Promise((resolve, reject) => {
    let out = "";
    let settled = false;
    const child = spawn(file, argv, {
      cwd: opts.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PGDATA: undefined, PGPORT: undefined, PGHOST: undefined, LC_ALL: "C" },
    });
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(out);
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(new Error(`${program} ${args.join(" ")} timed out after ${opts.timeoutMs} ms\n${out.trim()}`));
    }, opts.timeoutMs);
    child.on("error", (err) => finish(new Error(`${program} could not run: ${err.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) finish(null);
      else
        finish(
          new Error(`${program} ${args.join(" ")} failed (${signal ?? `exit ${code}`}):\n${out.trim()}`),
        );
    });
  });
}

/** The synchronous twin of run(), for the exit hook only (no event loop there). */
function runSync(program: string, args: readonly string[], timeoutMs: number): boolean {
  try {
    const { file, args: argv } = command(program, args);
    const r = spawnSync(file, argv, { cwd: tmpdir(), stdio: "ignore", timeout: timeoutMs });
    return r.status === 0;
  } catch {
    return false;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function makeBaseDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  chmodSync(dir, 0o700);
  if (isRoot) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
  return dir;
}

function confValue(v: string | number | boolean): string {
  if (typeof v === "boolean") return v ? "on" : "off";
  if (typeof v === "number") return String(v);
  return `'${v.replaceAll("'", "''")}'`;
}

/** Appends settings to postgresql.conf; later lines win over earlier ones. */
function appendSettings(
  dataDir: string,
  settings: Readonly<Record<string, string | number | boolean>>,
): void {
  const lines = Object.entries(settings).map(([k, v]) => `${k} = ${confValue(v)}`);
  appendFileSync(join(dataDir, "postgresql.conf"), `\n# private-postgres.ts\n${lines.join("\n")}\n`);
}

/** Small, fast and disposable; replication-ready so a replica can be taken from it. */
const DEFAULT_SETTINGS: Readonly<Record<string, string | number | boolean>> = {
  listen_addresses: "127.0.0.1",
  shared_buffers: "16MB",
  max_connections: 100,
  fsync: false,
  synchronous_commit: false,
  wal_level: "replica",
  max_wal_senders: 5,
  max_replication_slots: 5,
  wal_keep_size: "64MB",
  hot_standby: true,
  logging_collector: false,
  log_min_messages: "warning",
};

/** One query on a fresh connection, with connect and query timeouts (for these helpers and tests). */
export async function queryOnce<R extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  text: string,
  params: unknown[] = [],
  timeoutMs = 5000,
): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await client.query<R>(text, params);
  } finally {
    await client.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup when the process ends

interface Live {
  readonly baseDir: string;
  readonly dataDir: string;
  watchdog: ChildProcess | null;
}

const live = new Set<Live>();
let hooksInstalled = false;

function killPostmaster(dataDir: string): void {
  try {
    const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    if (pid > 0) process.kill(pid, "SIGKILL");
  } catch {
    // no pid file or no such process: nothing runs
  }
}

function cleanupSync(entry: Live): void {
  if (existsSync(join(entry.dataDir, "postmaster.pid"))) {
    if (!runSync("pg_ctl", ["-D", entry.dataDir, "-m", "immediate", "-w", "-t", "10", "stop"], 15_000)) {
      killPostmaster(entry.dataDir);
    }
  }
  stopWatchdog(entry);
  rmSync(entry.baseDir, { recursive: true, force: true });
}

function cleanupAllSync(): void {
  for (const entry of live) {
    try {
      cleanupSync(entry);
    } catch {
      // best effort at exit
    }
  }
  live.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once("exit", cleanupAllSync);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      cleanupAllSync();
      // Keep the signal's usual effect unless someone else handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** A detached shell that outlives a killed test process and then removes the cluster. */
function startWatchdog(entry: Live): void {
  const pgCtl = command("pg_ctl", ["-D", entry.dataDir, "-m", "immediate", "-w", "-t", "10", "stop"]);
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    `if [ -f ${quote(join(entry.dataDir, "postmaster.pid"))} ]; then ${[pgCtl.file, ...pgCtl.args].map(quote).join(" ")} >/dev/null 2>&1; fi`,
    `rm -rf ${quote(entry.baseDir)}`,
  ].join("\n");
  try {
    const child = spawn("sh", ["-c", script], { detached: true, stdio: "ignore", cwd: tmpdir() });
    child.on("error", () => undefined);
    child.unref();
    entry.watchdog = child;
  } catch {
    entry.watchdog = null; // the exit hook still covers ordinary exits
  }
}

function stopWatchdog(entry: Live): void {
  const pid = entry.watchdog?.pid;
  entry.watchdog = null;
  if (!pid) return;
  try {
    process.kill(-pid, "SIGKILL"); // its process group: the shell and its `sleep`
  } catch {
    // already gone
  }
}

// ---------------------------------------------------------------------------------------------
// Clusters

function makeCluster(
  baseDir: string,
  dataDir: string,
  initialPort: number,
  timeoutSec: number,
): PrivateCluster & { setPort(p: number): void } {
  const logFile = join(baseDir, "server.log");
  let port = initialPort;
  let running = false;
  let destroyed = false;
  const entry: Live = { baseDir, dataDir, watchdog: null };
  live.add(entry);
  installHooks();
  startWatchdog(entry);
  const ctlTimeoutMs = (timeoutSec + 15) * 1000;

  const logTail = (lines = 30): string => {
    try {
      return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no server log)";
    }
  };

  const isRunning = async (): Promise<boolean> => {
    try {
      await run("pg_ctl", ["-D", dataDir, "status"], { cwd: baseDir, timeoutMs: 10_000 });
      return true;
    } catch {
      return false;
    }
  };

  const cluster = {
    get url() {
      return `postgres://postgres@127.0.0.1:${port}/postgres`;
    },
    get port() {
      return port;
    },
    dataDir,
    baseDir,
    get running() {
      return running;
    },
    setPort(p: number) {
      port = p;
      appendSettings(dataDir, { port: p });
    },
    logTail,
    async start() {
      if (destroyed) throw new Error(`cluster ${dataDir} was destroyed`);
      try {
        await run("pg_ctl", ["-D", dataDir, "-l", logFile, "-w", "-t", String(timeoutSec), "start"], {
          cwd: baseDir,
          timeoutMs: ctlTimeoutMs,
        });
      } catch (err) {
        // A half-started server must not linger.
        if (await isRunning()) killPostmaster(dataDir);
        throw new Error(
          `starting PostgreSQL on port ${port} failed: ${(err as Error).message}\n--- server log ---\n${logTail()}`,
        );
      }
      running = true;
    },
    async stop(mode: StopMode = "fast") {
      if (destroyed) return;
      try {
        await run("pg_ctl", ["-D", dataDir, "-m", mode, "-w", "-t", String(timeoutSec), "stop"], {
          cwd: baseDir,
          timeoutMs: ctlTimeoutMs,
        });
      } catch (err) {
        if (await isRunning()) {
          throw new Error(
            `stopping PostgreSQL on port ${port} failed: ${(err as Error).message}\n--- server log ---\n${logTail()}`,
          );
        }
      }
      running = false;
    },
    async restart(mode: StopMode = "fast") {
      await cluster.stop(mode);
      await cluster.start();
    },
    async destroy() {
      if (destroyed) return;
      try {
        await cluster.stop("immediate");
      } catch {
        killPostmaster(dataDir);
      }
      destroyed = true;
      running = false;
      stopWatchdog(entry);
      rmSync(baseDir, { recursive: true, force: true });
      live.delete(entry);
    },
  };
  return cluster;
}

/** Tries to start on the cluster's port; if another process took it meanwhile, moves to a new one. */
async function startOnFreePort(cluster: PrivateCluster & { setPort(p: number): void }): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await cluster.start();
      return;
    } catch (err) {
      const taken = /could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(
        (err as Error).message,
      );
      if (!taken || attempt >= 3) throw err;
      cluster.setPort(await freePort());
    }
  }
}

/**
 * initdb into a fresh temporary folder and start the server (trust auth, 127.0.0.1, a free
 * port, fsync off, wal_level=replica). Database `postgres` as user `postgres`.
 */
export async function startPrivateCluster(opts: ClusterOptions = {}): Promise<PrivateCluster> {
  const timeoutSec = opts.pgCtlTimeoutSec ?? 60;
  const baseDir = makeBaseDir(opts.name ?? "fulfill-pg");
  const dataDir = join(baseDir, "data");
  const port = await freePort();
  const cluster = makeCluster(baseDir, dataDir, port, timeoutSec);
  try {
    await run(
      "initdb",
      [
        "-D",
        dataDir,
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
        "--no-instructions",
      ],
      { cwd: baseDir, timeoutMs: 120_000 },
    );
    appendSettings(dataDir, {
      ...DEFAULT_SETTINGS,
      port,
      unix_socket_directories: baseDir,
      ...opts.settings,
    });
    await startOnFreePort(cluster);
    return cluster;
  } catch (err) {
    await cluster.destroy().catch(() => undefined);
    throw err;
  }
}

/**
 * A streaming replica of a running primary: pg_basebackup -R -X stream into a new folder,
 * started on its own port with hot_standby on. Destroy it before (or with) its primary.
 */
export async function startReplica(
  primary: PrivateCluster,
  opts: ClusterOptions = {},
): Promise<PrivateReplica> {
  if (!primary.running) throw new Error("startReplica: the primary is not running");
  const timeoutSec = opts.pgCtlTimeoutSec ?? 60;
  const baseDir = makeBaseDir(opts.name ?? "fulfill-pg-replica");
  const dataDir = join(baseDir, "data");
  const port = await freePort();
  const cluster = makeCluster(baseDir, dataDir, port, timeoutSec);
  try {
    await run(
      "pg_basebackup",
      [
        "-h",
        "127.0.0.1",
        "-p",
        String(primary.port),
        "-U",
        "postgres",
        "-D",
        dataDir,
        "-R",
        "-X",
        "stream",
        "-c",
        "fast",
        "--no-sync",
      ],
      { cwd: baseDir, timeoutMs: 120_000 },
    );
    // The copied postgresql.conf names the primary's port and socket folder: ours come after.
    appendSettings(dataDir, { port, unix_socket_directories: baseDir, hot_standby: true, ...opts.settings });
    await startOnFreePort(cluster);
  } catch (err) {
    await cluster.destroy().catch(() => undefined);
    throw err;
  }

  const onReplica = (text: string) => queryOnce(cluster.url, text);
  const replica: PrivateReplica = {
    get url() {
      return cluster.url;
    },
    get port() {
      return cluster.port;
    },
    get running() {
      return cluster.running;
    },
    dataDir,
    baseDir,
    primary,
    stop: cluster.stop,
    start: cluster.start,
    restart: cluster.restart,
    destroy: cluster.destroy,
    logTail: cluster.logTail,
    async pauseReplay() {
      await onReplica("SELECT pg_wal_replay_pause()");
      // From here on no further WAL record is applied (the state reads 'pause requested' until
      // the startup process reaches its next record, then 'paused').
      const r = await onReplica("SELECT pg_get_wal_replay_pause_state() AS s");
      if (r.rows[0]?.s === "not paused") throw new Error("pg_wal_replay_pause() did not take effect");
    },
    async resumeReplay() {
      await onReplica("SELECT pg_wal_replay_resume()");
    },
    async waitCaughtUp(timeoutMs = 15_000) {
      const target = (
        await queryOnce<{ lsn: string }>(primary.url, "SELECT pg_current_wal_insert_lsn()::text AS lsn")
      ).rows[0]?.lsn;
      const until = Date.now() + timeoutMs;
      for (;;) {
        const r = await queryOnce<{ done: boolean; at: string | null }>(
          cluster.url,
          "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done, pg_last_wal_replay_lsn()::text AS at",
          [target],
        );
        if (r.rows[0]?.done) return;
        if (Date.now() > until) {
          const state = (await onReplica("SELECT pg_get_wal_replay_pause_state() AS s")).rows[0]?.s;
          throw new Error(
            `replica did not reach ${target} within ${timeoutMs} ms (replayed up to ${r.rows[0]?.at ?? "nothing"}, replay ${state})`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
  return replica;
}
