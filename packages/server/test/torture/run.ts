/**
 * The torture harness: several server processes over one private PostgreSQL cluster, many
 * clients doing random lookups, redeems (with and without Idempotency-Key, with retries),
 * cancels and after-sales, while faults are injected: kill -9 of servers, PostgreSQL
 * restarts, sandbox faults. Then the checker runs over the history and the final database.
 *
 *   npm run torture -- --minutes 10        (the full run; writes test/torture/results/<date>.json)
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { DB } from "../../src/store/schema.js";
import { type PrivateCluster, startPrivateCluster } from "../support/private-postgres.js";
import { check, type Violation } from "./checker.js";
import type { Entry } from "./history.js";
import { killHard, type ServerProcess, spawnServer, waitHealthy } from "./processes.js";
import {
  answersByRow,
  eventCount,
  loadWorld,
  pick,
  runClients,
  startReceiver,
  tortureWorld,
} from "./workload.js";

export interface TortureOptions {
  readonly seconds: number;
  readonly servers: number;
  readonly clients: number;
  readonly orders: number;
  readonly codesPerOrder: number;
  readonly killEverySeconds: number;
  readonly dbRestartEverySeconds: number;
  readonly faultEverySeconds: number;
  readonly log?: (line: string) => void;
}

export interface TortureResult {
  operations: number;
  kills: number;
  db_restarts: number;
  faults_armed: number;
  violations: number;
  answers_by_row: Record<string, number>;
  events: number;
  webhooks_received: number;
  seconds: number;
  details: Violation[];
}

const OPERATOR = `op_${randomBytes(12).toString("hex")}`;
const FAULTS = [
  "redeem.voucher_read",
  "redeem.exec_order_read",
  "redeem.sub_order_read",
  "redeem.update_conflict",
  "redeem.commit",
  "redeem.event_id",
  "redeem.core_timeout",
  "query.certificate",
  "query.sub_order",
];

export async function runTorture(opts: TortureOptions): Promise<TortureResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const started = Date.now();
  // A private cluster (never the machine's shared one) sized for several servers' pools.
  const cluster: PrivateCluster = await startPrivateCluster({
    name: "fulfill-torture",
    // synchronous_commit on: the checker holds every acknowledged redeem to be there after an
    // immediate restart, which asynchronous commit (the private clusters' default) does not
    // promise: a commit answered less than a WAL-writer round before the restart may be lost.
    // fsync may stay off: an immediate stop loses no operating-system buffer.
    settings: {
      max_connections: 200,
      shared_buffers: "64MB",
      full_page_writes: false,
      synchronous_commit: true,
    },
  });
  const receiver = await startReceiver();
  const { hook, received } = receiver;
  const env = {
    DATABASE_URL: cluster.url,
    FULFILL_OPERATOR_TOKEN: OPERATOR,
    FULFILL_QR_KEY: randomBytes(32).toString("base64"),
    FULFILL_SECRET_KEY: randomBytes(32).toString("base64"),
    FULFILL_RATE_LIMIT: "1000000",
    FULFILL_CORE_DEADLINE_MS: "1500",
    FULFILL_DATA_DIR: `/tmp/fulfill-torture-${process.pid}`,
    FULFILL_WEBHOOK_POLL_MS: "100",
    FULFILL_WEBHOOK_BASE_MS: "200",
    FULFILL_WEBHOOK_MAX_MS: "2000",
    FULFILL_WEBHOOK_ALLOW_LOOPBACK: "1",
    LOG_LEVEL: "silent",
  };
  const servers: ServerProcess[] = [];
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: cluster.url, max: 4 }) }),
  });
  const history: Entry[] = [];
  const counters = { kills: 0, dbRestarts: 0, faults: 0 };
  let stopping = false;
  try {
    for (let i = 0; i < opts.servers; i++) servers.push(await spawnServer(env));
    log(
      `torture: ${servers.length} servers on ${servers.map((s) => s.port).join(", ")}, PostgreSQL on ${cluster.port}`,
    );

    const { world, orders } = tortureWorld({ orders: opts.orders, codesPerOrder: opts.codesPerOrder, hook });
    const first = servers[0] as ServerProcess;
    const token = await loadWorld(first.url, OPERATOR, world);

    const liveServer = (): [number, ServerProcess] | null => {
      const live = servers.map((s, i) => [i, s] as [number, ServerProcess]).filter(([, s]) => s.alive);
      return live.length > 0 ? pick(live) : null;
    };

    async function injector() {
      let lastKill = Date.now();
      let lastRestart = Date.now();
      let lastFault = Date.now();
      while (!stopping) {
        await new Promise((r) => setTimeout(r, 200));
        const t = Date.now();
        if (t - lastKill >= opts.killEverySeconds * 1000) {
          lastKill = t;
          const victim = pick(servers);
          await killHard(victim);
          counters.kills++;
          spawnServer(env, victim).catch((err) => log(`restart failed: ${(err as Error).message}`));
        }
        if (opts.dbRestartEverySeconds > 0 && t - lastRestart >= opts.dbRestartEverySeconds * 1000) {
          lastRestart = t;
          try {
            await cluster.restart("immediate");
            counters.dbRestarts++;
          } catch (err) {
            log(`db restart failed: ${(err as Error).message}`);
          }
        }
        if (t - lastFault >= opts.faultEverySeconds * 1000) {
          lastFault = t;
          const target = liveServer();
          if (target) {
            await fetch(`${target[1].url}/sandbox/faults`, {
              method: "POST",
              headers: { authorization: `Bearer ${OPERATOR}`, "content-type": "application/json" },
              body: JSON.stringify({ point: pick(FAULTS), times: 1 + Math.floor(Math.random() * 3) }),
              signal: AbortSignal.timeout(2000),
            })
              .then(() => counters.faults++)
              .catch(() => undefined);
          }
        }
      }
    }

    const clients = runClients(opts.clients, {
      history,
      orders,
      token,
      operator: OPERATOR,
      target: () => {
        const live = liveServer();
        return live ? [live[0], live[1].url] : null;
      },
      stopping: () => stopping,
    });
    const running = [clients, injector()];
    await new Promise((r) => setTimeout(r, opts.seconds * 1000));
    stopping = true;
    await Promise.all(running);

    // Let everything settle: servers up, database up, the relay delivering.
    for (const s of servers) if (!s.alive) await spawnServer(env, s).catch(() => undefined);
    for (const s of servers) await waitHealthy(s.url, 60_000);
    const until = Date.now() + 60_000;
    while (Date.now() < until && received.size < (await eventCount(db)))
      await new Promise((r) => setTimeout(r, 500));

    const violations = await check({ db, history, received });
    return {
      operations: history.length,
      kills: counters.kills,
      db_restarts: counters.dbRestarts,
      faults_armed: counters.faults,
      violations: violations.length,
      answers_by_row: answersByRow(history),
      events: await eventCount(db),
      webhooks_received: received.size,
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

async function main() {
  const args = process.argv.slice(2);
  const minutes = Number(args[args.indexOf("--minutes") + 1] ?? 10) || 10;
  const seconds = Math.round(minutes * 60);
  const result = await runTorture({
    seconds,
    servers: 3,
    clients: 24,
    orders: 400,
    codesPerOrder: 3,
    killEverySeconds: Math.max(5, Math.floor(seconds / 25)),
    dbRestartEverySeconds: Math.max(20, Math.floor(seconds / 6)),
    faultEverySeconds: 2,
  });
  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-")}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ ...result, details: undefined }, null, 2)}\nwritten to ${file}\n`);
  process.exit(result.violations === 0 ? 0 : 1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    process.stderr.write(`torture failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  });
}
