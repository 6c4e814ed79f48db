/**
 * The failover harness's handle on a Patroni cluster started by deploy/local-cluster.sh (the
 * script an operator runs): start, stop, the members' roles from Patroni's REST API, and the
 * kills (the leader's postmaster, a whole member) and restarts the harness drives.
 *
 * Cleanup: destroy() stops every process the script started and removes the folder; an exit
 * hook does the same when the process ends before (a failed test, a signal).
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../../../deploy/local-cluster.sh", import.meta.url));
const PATRONI_YML = fileURLToPath(new URL("../../../../deploy/patroni.yml", import.meta.url));
const MEMBERS = [0, 1, 2] as const;

export interface Member {
  readonly name: string;
  readonly role: string; // leader, sync_standby, replica
  readonly state: string; // running, starting, stopped, ...
}

/** Patroni's leader key ttl (seconds) from deploy/patroni.yml: a lost leader's longest wait. */
export function patroniTtlSeconds(): number {
  const m = /^\s+ttl:\s*(\d+)/m.exec(readFileSync(PATRONI_YML, "utf8"));
  if (!m) throw new Error("deploy/patroni.yml has no ttl");
  return Number(m[1]);
}

function script(args: string[], timeoutMs = 180_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(SCRIPT, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`local-cluster.sh ${args[0]} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** The first block of 30 free loopback ports from `from` on, in steps of 50, below `to`. */
async function freeBlock(from: number, to: number): Promise<number> {
  for (let base = from; base + 30 <= to; base += 50) {
    let free = true;
    for (let p = base; p < base + 30 && free; p++) free = await portFree(p);
    if (free) return base;
  }
  throw new Error(`no free block of ports in ${from}-${to}`);
}

export interface PatroniCluster {
  readonly url: string;
  readonly dir: string;
  members(): Promise<Member[]>;
  leader(): Promise<number | null>;
  /** One leader, two running replicas, one of them the synchronous standby. */
  waitReady(timeoutMs?: number): Promise<void>;
  killPostmaster(member: number): Promise<void>;
  killMember(member: number): Promise<void>;
  startMember(member: number): Promise<void>;
  destroy(): Promise<void>;
}

export async function startPatroniCluster(ports: { from: number; to: number }): Promise<PatroniCluster> {
  const base = await freeBlock(ports.from, ports.to);
  const dir = mkdtempSync(join(tmpdir(), "fulfill-failover-"));
  let destroyed = false;
  const stopSync = () => {
    if (destroyed) return;
    destroyed = true;
    spawnSync(SCRIPT, ["stop", dir], { stdio: "ignore", timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stopSync);
  let out: string;
  try {
    out = await script(["start", dir, String(base)]);
  } catch (err) {
    stopSync();
    throw err;
  }
  const url = /^DATABASE_URL=(\S+)$/m.exec(out)?.[1];
  if (!url) throw new Error(`local-cluster.sh printed no DATABASE_URL:\n${out}`);
  const rest = (n: number) => `http://127.0.0.1:${base + 20 + n}`;

  async function members(): Promise<Member[]> {
    for (const n of MEMBERS) {
      try {
        const res = await fetch(`${rest(n)}/cluster`, { signal: AbortSignal.timeout(2000) });
        if (res.status !== 200) continue;
        return ((await res.json()) as { members: Member[] }).members;
      } catch {
        // this member's API is down: ask the next
      }
    }
    return [];
  }
  const index = (name: string) => Number(name.slice(1));
  const postmasterPid = (n: number) =>
    Number(readFileSync(join(dir, `m${n}`, "data", "postmaster.pid"), "utf8").split("\n")[0]);
  return {
    url,
    dir,
    members,
    async leader() {
      const l = (await members()).find((m) => m.role === "leader" && m.state === "running");
      return l ? index(l.name) : null;
    },
    async waitReady(timeoutMs = 120_000) {
      const until = Date.now() + timeoutMs;
      let last: Member[] = [];
      while (Date.now() < until) {
        last = await members();
        const running = last.filter((m) => m.state === "running");
        if (
          running.length === 3 &&
          running.filter((m) => m.role === "leader").length === 1 &&
          running.filter((m) => m.role === "sync_standby").length === 1
        )
          return;
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error(`cluster not ready after ${timeoutMs} ms: ${JSON.stringify(last)}`);
    },
    // The kills are sent from here, not through the script, so that the moment they return is
    // the moment of the kill (a script's start-up would let writes to the old leader pass first).
    killPostmaster(n) {
      process.kill(postmasterPid(n), "SIGKILL");
      return Promise.resolve();
    },
    killMember(n) {
      const patroni = Number(readFileSync(join(dir, `m${n}.pid`), "utf8").trim());
      const postmaster = postmasterPid(n);
      process.kill(patroni, "SIGKILL");
      process.kill(postmaster, "SIGKILL");
      rmSync(join(dir, `m${n}.pid`));
      return Promise.resolve();
    },
    async startMember(n) {
      await script(["start-member", dir, String(n)]);
    },
    async destroy() {
      if (destroyed) return;
      await script(["stop", dir], 60_000).catch(() => undefined);
      stopSync();
      process.removeListener("exit", stopSync);
    },
  };
}
