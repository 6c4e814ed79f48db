/** CPU and memory of processes and of the machine, from /proc (Linux). */
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

const TICKS = 100; // USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK)

/** CPU seconds (user + system) a process used so far, or null when it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return null;
  }
}

/** Resident set size in MB, or null when the process is gone. */
export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Busy and total jiffies of the whole machine. */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** The postmaster of the bench's private cluster (lib/cluster.ts), when one runs. */
let postmaster: number | null = null;

export function setPostmaster(pid: number | null): void {
  postmaster = pid;
}

/**
 * CPU seconds of a private cluster, every process of it: the postmaster's own, the children it
 * has reaped (cutime + cstime: backends that ended, such as pgbench's at its end), and its live
 * children's. Every process of the cluster works for the bench.
 */
export function clusterCpuSeconds(pm: number): number {
  let sum = 0;
  try {
    const stat = readFileSync(`/proc/${pm}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    sum += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS;
  } catch {
    return 0;
  }
  for (const pid of clusterChildren(pm)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      sum += (Number(f[11]) + Number(f[12])) / TICKS;
    } catch {
      // ended meanwhile (then counted in the postmaster's cutime)
    }
  }
  return sum;
}

/** The live children of the postmaster `pm`. */
export function clusterChildren(pm: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(f[1]) === pm) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

/** Waits (up to `ms`) until the private cluster has at most `n` live children (ended backends reaped). */
export async function settleCluster(n: number, ms = 2000): Promise<void> {
  if (postmaster === null) return;
  const deadline = Date.now() + ms;
  while (clusterChildren(postmaster).length > n && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
}

/** Live children of the private cluster now (0 without one). */
export function clusterChildCount(): number {
  return postmaster === null ? 0 : clusterChildren(postmaster).length;
}

/**
 * CPU seconds of the PostgreSQL processes that work for database `db` (on a private cluster: all
 * of its processes, ended backends included): its backends (their title
 * names the database) and the shared background processes (WAL writer, checkpointer, …), not the
 * backends of other databases (other work on a shared machine).
 */
export function postgresCpuSeconds(db: string): number {
  if (postmaster !== null) return clusterCpuSeconds(postmaster);
  let sum = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (comm !== "postgres") continue;
      const title = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const isBackend = /\(\d+\)|\[local\]/.test(title);
      if (isBackend && !title.includes(` ${db} `)) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      sum += (Number(fields[11]) + Number(fields[12])) / TICKS;
    } catch {
      // the process ended meanwhile
    }
  }
  return sum;
}

export interface ResourceWindow {
  /** CPU of the server process, in % of one core. */
  readonly server_cpu_pct: number | null;
  readonly server_rss_mb_avg: number | null;
  readonly server_rss_mb_max: number | null;
  /** CPU of the PostgreSQL processes of the bench's database and the shared background ones (backends that ended in the window are missed), % of one core. */
  readonly db_cpu_pct: number | null;
  /** CPU of this process (the load generator), % of one core. */
  readonly loader_cpu_pct: number;
  /** The whole machine busy, % of all cores. */
  readonly machine_busy_pct: number;
  /** CPU of everything else on the machine (not server, database, loader), % of one core: the noise. */
  readonly other_cpu_pct: number | null;
  readonly cores: number;
  /** The same CPU figures in milliseconds over the window (for cost per operation). */
  readonly seconds: number;
  readonly server_cpu_ms: number | null;
  readonly db_cpu_ms: number | null;
}

/** Samples a process while a measurement runs: CPU over the window, RSS every 250 ms. */
export class ResourceSampler {
  readonly #pid: number | null;
  readonly #db: string | null;
  readonly #rss: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  #t0 = 0;
  #cpu0: number | null = null;
  #db0 = 0;
  #loader0: NodeJS.CpuUsage = process.cpuUsage();
  #machine0 = machineTicks();

  constructor(pid: number | null, db: string | null) {
    this.#pid = pid;
    this.#db = db;
  }

  start(): void {
    this.#t0 = performance.now();
    this.#cpu0 = this.#pid ? cpuSeconds(this.#pid) : null;
    this.#db0 = this.#db ? postgresCpuSeconds(this.#db) : 0;
    this.#loader0 = process.cpuUsage();
    this.#machine0 = machineTicks();
    const sample = () => {
      const r = this.#pid ? rssMb(this.#pid) : null;
      if (r !== null) this.#rss.push(r);
    };
    sample();
    this.#timer = setInterval(sample, 250);
    this.#timer.unref();
  }

  stop(): ResourceWindow {
    clearInterval(this.#timer);
    const seconds = (performance.now() - this.#t0) / 1000;
    const cpu1 = this.#pid ? cpuSeconds(this.#pid) : null;
    const loader = process.cpuUsage(this.#loader0);
    const machine = machineTicks();
    const pct = (x: number) => Math.round((1000 * x) / seconds) / 10;
    const rss = this.#rss;
    const cores = availableParallelism();
    const machineBusy =
      (machine.busy - this.#machine0.busy) / Math.max(1, machine.total - this.#machine0.total);
    const serverPct = cpu1 !== null && this.#cpu0 !== null ? pct(cpu1 - this.#cpu0) : null;
    const dbS = this.#db ? postgresCpuSeconds(this.#db) - this.#db0 : null;
    const dbPct = dbS === null ? null : pct(dbS);
    const loaderPct = pct((loader.user + loader.system) / 1e6);
    return {
      server_cpu_pct: serverPct,
      server_rss_mb_avg: rss.length ? Math.round(rss.reduce((a, b) => a + b, 0) / rss.length) : null,
      server_rss_mb_max: rss.length ? Math.round(Math.max(...rss)) : null,
      db_cpu_pct: dbPct,
      loader_cpu_pct: loaderPct,
      machine_busy_pct: Math.round(1000 * machineBusy) / 10,
      other_cpu_pct: Math.max(
        0,
        Math.round(machineBusy * cores * 100 - (serverPct ?? 0) - (dbPct ?? 0) - loaderPct),
      ),
      cores,
      seconds: Math.round(seconds * 1000) / 1000,
      server_cpu_ms: cpu1 !== null && this.#cpu0 !== null ? Math.round((cpu1 - this.#cpu0) * 1000) : null,
      db_cpu_ms: dbS === null ? null : Math.round(dbS * 1000),
    };
  }
}
