/**
 * The torture harness: several server processes over one private PostgreSQL cluster, many
 * clients doing random lookups, redeems (with and without Idempotency-Key, with retries),
 * cancels and after-sales, while faults are injected: kill -9 of servers, PostgreSQL
 * restarts, sandbox faults. Then the checker runs over the history and the final database.
 *
 *   npm run torture -- --minutes 10        (the full run; writes test/torture/results/<date>.json)
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { DB } from "../../src/store/schema.js";
import { type PrivateCluster, startPrivateCluster } from "../support/private-postgres.js";
import { check, type Violation } from "./checker.js";
import type { Answer, Entry, Op } from "./history.js";
import { killHard, type ServerProcess, spawnServer, waitHealthy } from "./processes.js";

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
const MERCHANT = "7000000000000000001";
const SHOPS = ["S-001", "S-002"];
const PRODUCT = "7200000000000000001";
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

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;

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
  const received = new Set<string>();
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { event_id?: string };
        if (body.event_id) received.add(String(body.event_id));
      } catch {
        // not ours
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
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

    // The world: one merchant, two shops, one product, orders of several codes each.
    const orders = Array.from({ length: opts.orders }, (_, i) => ({
      shop_order_id: String(5800000000000000000n + BigInt(i + 1)),
      product_id: PRODUCT,
      user_id: "6900000000000000001",
      items: Array.from({ length: opts.codesPerOrder }, (_, j) => ({
        item_order_id: String(5810000000000000000n + BigInt(i * 100 + j + 1)),
        code: String(100000000000 + i * 100 + j),
        status: "WAIT_FULFILL",
      })),
    }));
    const now = Math.floor(Date.now() / 1000);
    const world = {
      apps: [{ client_key: "ck_t", client_secret: "cs_t", name: "Torture", webhook_url: hook }],
      merchants: [
        {
          merchant_id: MERCHANT,
          name: "Torture",
          country: "ID",
          timezone: "Asia/Jakarta",
          shops: SHOPS.map((s, i) => ({
            shop_id: String(7100000000000000001n + BigInt(i)),
            third_shop_id: s,
            name: s,
          })),
          grants: [
            {
              client_key: "ck_t",
              scopes: ["localservice.fulfill.query", "localservice.fulfill.redeem"],
              third_shop_ids: [],
            },
          ],
        },
      ],
      products: [
        {
          product_id: PRODUCT,
          third_product_id: "P-1",
          merchant_id: MERCHANT,
          name: "Set",
          image_url: "https://img.example/p.jpg",
          crossed_amount: "100",
          sale_amount: "90",
          currency: "IDR",
          refund_rule_desc: "any",
          valid_from: now - 86400,
          valid_to: now + 30 * 86400,
          usable_weekdays: [1, 2, 3, 4, 5, 6, 7],
          holidays_unavailable: false,
          applicable_third_shop_ids: SHOPS,
        },
      ],
      orders,
    };
    const first = servers[0] as ServerProcess;
    const loaded = await fetch(`${first.url}/sandbox/world`, {
      method: "POST",
      headers: { authorization: `Bearer ${OPERATOR}`, "content-type": "application/json" },
      body: JSON.stringify(world),
    });
    if (loaded.status !== 200) throw new Error(`world: ${loaded.status} ${await loaded.text()}`);

    const tokenFor = async (server: ServerProcess) => {
      const res = await fetch(`${server.url}/merchant/oauth/token/`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          client_key: "ck_t",
          client_secret: "cs_t",
          merchant_id: MERCHANT,
          grant_type: "access_token",
        }).toString(),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const token = await tokenFor(first);

    const liveServer = (): [number, ServerProcess] | null => {
      const live = servers.map((s, i) => [i, s] as [number, ServerProcess]).filter(([, s]) => s.alive);
      return live.length > 0 ? pick(live) : null;
    };

    async function call(
      client: number,
      op: Op,
      path: string,
      body: Record<string, unknown>,
      auth: string,
      key: string | null = null,
    ): Promise<Entry> {
      const target = liveServer();
      const entry: Entry = {
        client,
        op,
        server: target?.[0] ?? -1,
        request: body,
        idempotencyKey: key,
        start: Date.now(),
        end: 0,
        answer: null,
      };
      history.push(entry);
      if (!target) {
        entry.end = Date.now();
        await new Promise((r) => setTimeout(r, 50));
        return entry;
      }
      try {
        const res = await fetch(target[1].url + path, {
          method: "POST",
          headers: {
            authorization: `Bearer ${auth}`,
            "content-type": "application/json",
            ...(key ? { "idempotency-key": key } : {}),
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(5000),
        });
        const json = (await res.json()) as {
          data?: Record<string, unknown>;
          error?: { code?: string; message?: string; handling?: string };
        };
        entry.answer = {
          status: res.status,
          code: json.error?.code ?? null,
          message: json.error?.message ?? null,
          handling: json.error?.handling ?? null,
          data: json.data ?? null,
        } satisfies Answer;
      } catch {
        entry.answer = null;
      }
      entry.end = Date.now();
      return entry;
    }

    const redeemed: { redeemId: string; shop: string }[] = [];
    const pendingAfterSales: string[] = [];
    async function client(id: number) {
      while (!stopping) {
        const order = pick(orders);
        const shop = pick(SHOPS);
        const roll = Math.random();
        if (roll < 0.3) {
          await call(
            id,
            "lookup",
            "/v2/localservice/saas/fulfill/get_code_item_list/",
            { merchant_id: MERCHANT, third_shop_id: shop, code_list: [pick(order.items).code] },
            token,
          );
        } else if (roll < 0.7) {
          const codes = order.items.filter(() => Math.random() < 0.5).map((i) => i.code);
          if (codes.length === 0) codes.push(pick(order.items).code);
          const key = Math.random() < 0.5 ? randomUUID() : null;
          const body = {
            merchant_id: MERCHANT,
            third_shop_id: shop,
            shop_order_id: order.shop_order_id,
            code_list: codes,
            locale: "en-US",
          };
          for (let attempt = 0; attempt < 3 && !stopping; attempt++) {
            const e = await call(
              id,
              "redeem",
              "/v2/localservice/saas/fulfill/redeem_code/",
              body,
              token,
              key,
            );
            if (e.answer?.code === "0") {
              redeemed.push({ redeemId: String((e.answer.data as { redeem_id: string }).redeem_id), shop });
              break;
            }
            if (e.answer !== null && e.answer.handling === "none") break;
            if (!key) break; // without a key, a retry is a new attempt: the client rechecks instead
            await new Promise((r) => setTimeout(r, 100));
          }
        } else if (roll < 0.8 && redeemed.length > 0) {
          const r = pick(redeemed);
          await call(
            id,
            "cancel",
            "/v2/localservice/saas/fulfill/cancel_redeem/",
            { merchant_id: MERCHANT, third_shop_id: r.shop, redeem_id: r.redeemId, locale: "en-US" },
            token,
          );
        } else if (roll < 0.9) {
          const e = await call(
            id,
            "refund_request",
            "/platform/after-sales",
            {
              merchant_id: MERCHANT,
              shop_order_id: order.shop_order_id,
              item_order_ids: [pick(order.items).item_order_id],
            },
            OPERATOR,
          );
          const asId = (e.answer?.data as { after_sale_order_id?: string } | null)?.after_sale_order_id;
          if (asId) pendingAfterSales.push(asId);
        } else if (pendingAfterSales.length > 0) {
          const asId = pendingAfterSales.splice(
            Math.floor(Math.random() * pendingAfterSales.length),
            1,
          )[0] as string;
          const verb = Math.random() < 0.5 ? "approve" : "close";
          await call(
            id,
            verb === "approve" ? "refund_approve" : "refund_close",
            `/platform/after-sales/${asId}/${verb}`,
            { merchant_id: MERCHANT },
            OPERATOR,
          );
        }
      }
    }

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

    const running = [...Array.from({ length: opts.clients }, (_, i) => client(i)), injector()];
    await new Promise((r) => setTimeout(r, opts.seconds * 1000));
    stopping = true;
    await Promise.all(running);

    // Let everything settle: servers up, database up, the relay delivering.
    for (const s of servers) if (!s.alive) await spawnServer(env, s).catch(() => undefined);
    for (const s of servers) await waitHealthy(s.url, 60_000);
    const eventCount = async () =>
      Number(
        (
          await db
            .selectFrom("outbox")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirst()
        )?.n ?? 0,
      );
    const until = Date.now() + 60_000;
    while (Date.now() < until && received.size < (await eventCount()))
      await new Promise((r) => setTimeout(r, 500));

    const violations = await check({ db, history, received });
    const answers: Record<string, number> = {};
    for (const e of history) {
      const k =
        e.answer === null
          ? "no answer"
          : e.answer.code === "0"
            ? `${e.op}: success`
            : `${e.op}: ${e.answer.status} ${e.answer.message}`;
      answers[k] = (answers[k] ?? 0) + 1;
    }
    return {
      operations: history.length,
      kills: counters.kills,
      db_restarts: counters.dbRestarts,
      faults_armed: counters.faults,
      violations: violations.length,
      answers_by_row: answers,
      events: await eventCount(),
      webhooks_received: received.size,
      seconds: Math.round((Date.now() - started) / 1000),
      details: violations.slice(0, 20),
    };
  } finally {
    stopping = true;
    for (const s of servers) await killHard(s);
    await db.destroy().catch(() => undefined);
    await new Promise((r) => receiver.close(r));
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
