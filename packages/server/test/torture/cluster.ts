/**
 * A private PostgreSQL cluster the torture harness may restart at will (never the machine's
 * shared one): initdb into a temporary folder, pg_ctl on a free port, run as the postgres user.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = "/usr/lib/postgresql/15/bin";

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

function asPostgres(cmd: string, args: string[], timeoutMs = 60_000): void {
  const isRoot = process.getuid?.() === 0;
  const r = isRoot
    ? spawnSync("runuser", ["-u", "postgres", "--", `${BIN}/${cmd}`, ...args], { encoding: "utf8", timeout: timeoutMs })
    : spawnSync(`${BIN}/${cmd}`, args, { encoding: "utf8", timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr || r.stdout || r.error?.message}`);
}

export interface Cluster {
  readonly url: string;
  readonly port: number;
  stop(mode?: "fast" | "immediate"): void;
  start(): void;
  restart(mode?: "fast" | "immediate"): void;
  destroy(): void;
}

export async function startCluster(): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "fulfill-pg-"));
  chmodSync(dir, 0o700);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  const port = await freePort();
  asPostgres("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB`;
  const start = () => asPostgres("pg_ctl", ["-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "-t", "60", "start"]);
  const stop = (mode: "fast" | "immediate" = "fast") => asPostgres("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    restart: (mode = "fast") => {
      stop(mode);
      start();
    },
    destroy: () => {
      try {
        stop("immediate");
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
