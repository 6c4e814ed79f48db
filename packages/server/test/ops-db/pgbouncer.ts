/**
 * A private pgBouncer (Debian's 1.18) for tests: transaction pooling in front of a PostgreSQL,
 * on a free loopback port, its configuration, log and pid file in a fresh temporary folder.
 * pgBouncer refuses to run as root, so as root it runs as the `postgres` OS user (runuser), in
 * a folder that user owns. Absent program: start() throws (the test fails, never skips).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../support/private-postgres.js";

const PROGRAM = "/usr/sbin/pgbouncer";

export interface PgBouncer {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:<port>/<database> through the pooler. */
  url(database: string): string;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** The server behind it. */
  readonly serverHost: string;
  readonly serverPort: number;
  /** Server connections per database and user (default_pool_size). */
  readonly poolSize: number;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export async function startPgBouncer(opts: PgBouncerOptions): Promise<PgBouncer> {
  if (!existsSync(PROGRAM)) {
    throw new Error(`${PROGRAM} not found: apt-get install pgbouncer (.ci/run installs it)`);
  }
  const dir = mkdtempSync(join(tmpdir(), "fulfill-pgbouncer-"));
  const asRoot = process.getuid?.() === 0;
  const port = await freePort();
  const ini = join(dir, "pgbouncer.ini");
  writeFileSync(join(dir, "users.txt"), '"postgres" ""\n');
  writeFileSync(
    ini,
    [
      "[databases]",
      `* = host=${opts.serverHost} port=${opts.serverPort}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${join(dir, "users.txt")}`,
      "pool_mode = transaction",
      `default_pool_size = ${opts.poolSize}`,
      "min_pool_size = 0",
      "reserve_pool_size = 0",
      "max_client_conn = 500",
      "ignore_startup_parameters = extra_float_digits,options",
      `logfile = ${join(dir, "pgbouncer.log")}`,
      `pidfile = ${join(dir, "pgbouncer.pid")}`,
      "",
    ].join("\n"),
  );
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    for (const f of [dir, ini, join(dir, "users.txt")]) chownSync(f, uid, gid);
  }
  const child: ChildProcess = asRoot
    ? spawn("runuser", ["-u", "postgres", "--", PROGRAM, ini], { stdio: "ignore" })
    : spawn(PROGRAM, [ini], { stdio: "ignore" });
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const logTail = (lines = 20) => {
    try {
      return readFileSync(join(dir, "pgbouncer.log"), "utf8").trim().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  };
  const deadline = Date.now() + 10_000;
  while (!(await portOpen(port))) {
    if (exited || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`pgbouncer did not start on port ${port}:\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    logTail,
    stop: async () => {
      if (!exited) {
        const gone = new Promise((r) => child.once("exit", r));
        // SIGINT to pgbouncer itself (its pid file; runuser stands between): a safe shutdown.
        const pid = Number(readFileSync(join(dir, "pgbouncer.pid"), "utf8").trim());
        if (pid > 0) process.kill(pid, "SIGINT");
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
        if (!exited && pid > 0) process.kill(pid, "SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
