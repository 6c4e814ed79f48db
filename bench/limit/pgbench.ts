/**
 * D on PostgreSQL: runs a script of this folder with pgbench at a given concurrency, against
 * the benchmark's own database, and reads throughput and latency percentiles from its
 * per-transaction log. Query mode `prepared` (the least work per statement the protocol allows).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Latency, percentiles } from "../lib/stats.js";

export interface DbenchResult {
  readonly tool: string;
  readonly script: string;
  readonly clients: number;
  readonly duration_s: number;
  readonly transactions: number;
  readonly failed: number;
  readonly tps: number;
  readonly latency_ms: Latency;
}

export const LIMIT_DIR = new URL(".", import.meta.url).pathname;

export async function pgbench(opts: {
  url: string;
  script: "lookup_code" | "redeem";
  clients: number;
  durationS: number;
  vars: Record<string, string | number>;
  /** A fixed number of transactions per client instead of a duration (-t instead of -T). */
  transactionsPerClient?: number;
}): Promise<DbenchResult> {
  const u = new URL(opts.url);
  const logDir = mkdtempSync(join(tmpdir(), "bench-pgbench-"));
  const threads = Math.min(2, opts.clients);
  const args = [
    "-n",
    "-M",
    "prepared",
    "-h",
    // A Unix-domain socket directory given as ?host=… (libpq's form) wins over the URL's host name.
    u.searchParams.get("host") ?? u.hostname,
    "-p",
    u.port || "5432",
    "-U",
    decodeURIComponent(u.username || "postgres"),
    "-c",
    String(opts.clients),
    "-j",
    String(threads),
    ...(opts.transactionsPerClient
      ? ["-t", String(opts.transactionsPerClient)]
      : ["-T", String(opts.durationS)]),
    "-f",
    join(LIMIT_DIR, `${opts.script}.sql`),
    "-l",
    `--log-prefix=${join(logDir, "tx")}`,
  ];
  for (const [k, v] of Object.entries(opts.vars)) args.push("-D", `${k}=${v}`);
  args.push(u.pathname.slice(1));
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn("pgbench", args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PGPASSWORD: u.password },
    });
    let text = "";
    child.stdout.on("data", (c: Buffer) => {
      text += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      text += c.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(text) : reject(new Error(`pgbench exited ${code}:\n${text.slice(-3000)}`)),
    );
  });
  const samples: number[] = [];
  for (const f of readdirSync(logDir)) {
    for (const line of readFileSync(join(logDir, f), "utf8").split("\n")) {
      const us = Number(line.split(" ")[2]);
      if (Number.isFinite(us) && line) samples.push(us / 1000);
    }
  }
  rmSync(logDir, { recursive: true, force: true });
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1] ?? Number.NaN);
  const processed = Number(
    /number of transactions actually processed: (\d+)/.exec(out)?.[1] ?? samples.length,
  );
  const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0);
  const seconds = opts.transactionsPerClient ? processed / tps : opts.durationS;
  return {
    tool: "pgbench -M prepared",
    script: `bench/limit/${opts.script}.sql`,
    clients: opts.clients,
    duration_s: Math.round(seconds * 10) / 10,
    transactions: processed,
    failed,
    tps: Math.round(tps * 10) / 10,
    latency_ms: percentiles(samples),
  };
}
