/**
 * The failover harness: the service (server processes) behind HAProxy -> the Patroni leader of
 * a 3-member synchronous cluster (deploy/), the torture clients redeeming, cancelling and
 * looking up through the HTTP API, while the harness kills the leader's postmaster, then a whole
 * leader member (Patroni and its postgres), then starts that member again, repeatedly. Then the
 * torture checker over the history and the final database.
 *
 *   npm run failover -- --failovers 10 [--seconds S]   (writes test/failover/results/<date>.json)
 *
 * write_gap_ms of a failover: from the kill to the end of the first successful write (redeem or
 * cancel answered ok) that started after it.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { DB } from "../../src/store/schema.js";
import { check, type Violation } from "../torture/checker.js";
import type { Entry } from "../torture/history.js";
import { killHard, type ServerProcess, spawnServer, waitHealthy } from "../torture/processes.js";
import {
  answersByRow,
  eventCount,
  loadWorld,
  runClients,
  startReceiver,
  tortureWorld,
} from "../torture/workload.js";
import { patroniTtlSeconds, startPatroniCluster } from "./cluster.js";

export type FailoverKind = "postmaster" | "member";

export interface FailoverOptions {
  readonly failovers: number;
  /** No failover starts after this many seconds of workload. */
  readonly seconds: number;
  readonly servers: number;
  readonly clients: number;
  readonly orders: number;
  readonly ports?: { from: number; to: number };
  readonly log?: (line: string) => void;
}

export interface FailoverRecord {
  readonly kind: FailoverKind;
  readonly member: string;
  readonly new_leader: string | null;
  readonly write_gap_ms: number | null;
}

export interface FailoverResult {
  failovers: number;
  operations: number;
  acknowledged_lost: number;
  double_redeems: number;
  violations: number;
  write_gap_ms: (number | null)[];
  write_gap_postmaster_median_ms: number | null;
  write_gap_member_max_ms: number | null;
  patroni_ttl_ms: number;
  failover_log: FailoverRecord[];
  /** Server processes that exited during the run (none should). */
  server_exits: { server: number; stderr: string }[];
  answers_by_row: Record<string, number>;
  events: number;
  webhooks_received: number;
  seconds: number;
  details: Violation[];
}

const OPERATOR = `op_${randomBytes(12).toString("hex")}`;
const WRITES = new Set(["redeem", "cancel"]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Waits for the first successful write that started at or after `since`; its end - since. */
async function writeGap(history: readonly Entry[], since: number, timeoutMs: number): Promise<number | null> {
  const until = Date.now() + timeoutMs;
  let scanned = 0;
  for (;;) {
    let best: number | null = null;
    for (let i = scanned; i < history.length; i++) {
      const e = history[i] as Entry;
      if (e.start < since || !WRITES.has(e.op) || e.answer?.code !== "0") continue;
      best = best === null ? e.end : Math.min(best, e.end);
    }
    if (best !== null) return best - since;
    // Entries still in flight get their answer later: rescan from the first one after `since`.
    scanned = Math.max(
      0,
      history.findIndex((e) => e.start >= since),
    );
    if (Date.now() > until) return null;
    await sleep(100);
  }
}

export async function runFailover(opts: FailoverOptions): Promise<FailoverResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const started = Date.now();
  const cluster = await startPatroniCluster(opts.ports ?? { from: 26000, to: 27000 });
  const receiver = await startReceiver();
  const env = {
    DATABASE_URL: cluster.url,
    FULFILL_OPERATOR_TOKEN: OPERATOR,
    FULFILL_QR_KEY: randomBytes(32).toString("base64"),
    FULFILL_SECRET_KEY: randomBytes(32).toString("base64"),
    FULFILL_RATE_LIMIT: "1000000",
    FULFILL_CORE_DEADLINE_MS: "1500",
    FULFILL_DATA_DIR: `${cluster.dir}/fulfill-data`,
    FULFILL_WEBHOOK_POLL_MS: "100",
    FULFILL_WEBHOOK_BASE_MS: "200",
    FULFILL_WEBHOOK_MAX_MS: "2000",
    FULFILL_WEBHOOK_ALLOW_LOOPBACK: "1",
    LOG_LEVEL: "silent",
  };
  const servers: ServerProcess[] = [];
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: cluster.url, max: 2 }) }),
  });
  const history: Entry[] = [];
  const records: FailoverRecord[] = [];
  const exits: { server: number; stderr: string }[] = [];
  let stopping = false;
  try {
    // A server's last stderr lines, kept for the report of one that exits during the run.
    const stderr = new Map<number, string>();
    const spawn = (i: number, existing?: ServerProcess) =>
      spawnServer(env, existing, (c) => stderr.set(i, ((stderr.get(i) ?? "") + c.toString()).slice(-2000)));
    for (let i = 0; i < opts.servers; i++) servers.push(await spawn(i));
    log(`failover: cluster ${cluster.url}, servers on ${servers.map((s) => s.port).join(", ")}`);
    const { world, orders } = tortureWorld({ orders: opts.orders, codesPerOrder: 3, hook: receiver.hook });
    const token = await loadWorld((servers[0] as ServerProcess).url, OPERATOR, world);
    const workStart = Date.now();
    const clients = runClients(opts.clients, {
      history,
      orders,
      token,
      operator: OPERATOR,
      target: () => {
        const i = Math.floor(Math.random() * servers.length);
        return [i, (servers[i] as ServerProcess).url];
      },
      stopping: () => stopping,
      // A client backs off a little after a failure, as a real one would during an outage.
      pauseAfterFailureMs: 50,
    });

    for (let n = 0; n < opts.failovers && Date.now() - workStart < opts.seconds * 1000; n++) {
      const kind: FailoverKind = n % 2 === 0 ? "postmaster" : "member";
      await cluster.waitReady();
      // Writes flow before the kill (so the gap measures the failover, not a slow start).
      if ((await writeGap(history, Date.now(), 30_000)) === null) throw new Error("no write before a kill");
      const victim = await cluster.leader();
      if (victim === null) throw new Error("no leader to kill");
      const killedAt = Date.now();
      if (kind === "postmaster") await cluster.killPostmaster(victim);
      else await cluster.killMember(victim);
      const gap = await writeGap(history, killedAt, 120_000);
      const leader = await cluster.leader();
      records.push({
        kind,
        member: `m${victim}`,
        new_leader: leader === null ? null : `m${leader}`,
        write_gap_ms: gap,
      });
      log(
        `failover ${n + 1}: ${kind} of m${victim}, writes back after ${gap} ms, leader m${leader}, servers up ${servers.filter((s) => s.alive).length}`,
      );
      if (gap === null) break;
      if (kind === "member") await cluster.startMember(victim);
    }
    await cluster.waitReady().catch((err) => log(`cluster after the run: ${(err as Error).message}`));
    stopping = true;
    await clients;

    // Settle: servers up (one that exited is reported and started again, as an orchestrator
    // would), the relay delivering every event.
    for (const [i, s] of servers.entries()) {
      if (s.alive) continue;
      exits.push({ server: i, stderr: stderr.get(i) ?? "" });
      await spawn(i, s);
    }
    for (const s of servers) await waitHealthy(s.url, 60_000);
    const until = Date.now() + 60_000;
    while (Date.now() < until && receiver.received.size < (await eventCount(db))) await sleep(500);

    const violations = await check({ db, history, received: receiver.received });
    const count = (property: string) => violations.filter((v) => v.property === property).length;
    const gaps = (kind: FailoverKind) =>
      records.filter((r) => r.kind === kind && r.write_gap_ms !== null).map((r) => r.write_gap_ms as number);
    return {
      failovers: records.length,
      operations: history.length,
      acknowledged_lost: count("every acknowledged redeem persisted"),
      double_redeems: count("no code redeemed twice without a cancel between"),
      violations: violations.length,
      write_gap_ms: records.map((r) => r.write_gap_ms),
      write_gap_postmaster_median_ms: median(gaps("postmaster")),
      write_gap_member_max_ms: gaps("member").length > 0 ? Math.max(...gaps("member")) : null,
      patroni_ttl_ms: patroniTtlSeconds() * 1000,
      failover_log: records,
      server_exits: exits,
      answers_by_row: answersByRow(history),
      events: await eventCount(db),
      webhooks_received: receiver.received.size,
      seconds: Math.round((Date.now() - started) / 1000),
      details: violations.slice(0, 20),
    };
  } finally {
    stopping = true;
    for (const s of servers) await killHard(s);
    await db.destroy().catch(() => undefined);
    await receiver.close();
    await cluster.destroy();
  }
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

async function main() {
  const args = process.argv.slice(2);
  const result = await runFailover({
    failovers: flag(args, "--failovers", 10),
    seconds: flag(args, "--seconds", 3600),
    servers: 2,
    clients: 8,
    orders: 400,
  });
  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-")}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ ...result, details: undefined }, null, 2)}\nwritten to ${file}\n`);
  const ok =
    result.violations === 0 &&
    result.server_exits.length === 0 &&
    result.write_gap_ms.every((g) => g !== null) &&
    (result.write_gap_postmaster_median_ms ?? 0) <= 10_000 &&
    (result.write_gap_member_max_ms ?? 0) <= result.patroni_ttl_ms + 10_000;
  process.exit(ok ? 0 : 1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    process.stderr.write(`failover failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  });
}
