/**
 * One budget across processes (issue 13 item 5): two server instances on one database and one
 * Redis, each with its own in-memory limiters, so only Redis can make them agree. Misses sent
 * alternately reach 429 at the budget's total, not twice it; the rate limit is shared too.
 * Redis unreachable: the rate limit fails open, the budget counts per process, one log line.
 * Fails (never skips) when Redis is absent.
 */
import { randomBytes } from "node:crypto";
import { connect, createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { logLines } from "../support/log-lines.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../support/world.js";

const REDIS_URL = "redis://127.0.0.1:6379";
const P = "7200000000000000711";
const BUDGET = 10;
const guess = (i: number) => String(910000000000 + i);

/** PING over a plain socket: the Redis the test needs answers +PONG. */
function ping(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.setTimeout(2000, () => socket.destroy(new Error("no answer within 2 s")));
    socket.once("data", (d) => {
      socket.end();
      resolve(String(d).trim());
    });
    socket.once("error", reject);
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 1;
}

for (const database of testDatabases()) {
  describe(`limits shared through Redis on ${database.name}`, () => {
    const o = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
    const world = baseWorld();
    world.products = [product(P)];
    world.orders = [o.order];
    const lookup = (server: TestServer, token: string, codes: string[]) =>
      server.query(token, { merchant_id: MERCHANT, third_shop_id: SHOP_1, code_list: codes });

    beforeAll(async () => {
      // Redis must be there: this test fails without it, it never skips.
      const answer = await ping(6379).catch((err: Error) => err.message);
      if (answer !== "+PONG")
        throw new Error(`Redis is required at ${REDIS_URL} (.ci/run starts it): ${answer}`);
    });

    describe("two instances, one Redis", () => {
      let a: TestServer;
      let b: TestServer;
      beforeAll(async () => {
        const shared = { redisUrl: REDIS_URL, redisKeyPrefix: `test:${randomBytes(6).toString("hex")}:` };
        a = await startTestServer(database, { ...shared, missBudgetPerMinute: BUDGET });
        b = await startTestServer(database, { ...shared, missBudgetPerMinute: BUDGET }, { system: a.system });
        expect((await a.world(world)).status).toBe(200);
        await a.clock(NOW);
      }, 60_000);
      afterAll(async () => {
        await b?.close();
        await a?.close();
      });

      it("misses sent alternately to two instances reach 429 at the budget's total", async () => {
        const token = await a.token();
        const statuses: number[] = [];
        for (let i = 0; i < 2 * BUDGET; i++) {
          const server = i % 2 === 0 ? a : b;
          const answer = await lookup(server, token, [guess(i)]);
          statuses.push(answer.status);
          if (answer.status === 429) {
            expect(answer.json.error.code).toBe("rate_limit_exceeded");
            expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
          }
        }
        // Requests 1..11 answered (the 11th tips the budget of 10), every later one refused.
        expect(statuses.indexOf(429)).toBe(BUDGET + 1);
        expect(statuses.slice(BUDGET + 1).every((s) => s === 429)).toBe(true);
        // The alert was raised once, by whichever instance tipped it, and both show it.
        for (const server of [a, b]) {
          const alerts = (await server.operator("GET", "/platform/alerts")).json.data.alerts;
          expect(alerts).toHaveLength(1);
          expect(alerts[0]).toMatchObject({ merchant_id: MERCHANT, misses: BUDGET + 1 });
        }
      });

      it("the rate limit is shared: a burst split over both instances passes the limit once", async () => {
        const shared = { redisUrl: REDIS_URL, redisKeyPrefix: `test:${randomBytes(6).toString("hex")}:` };
        const c = await startTestServer(database, { ...shared, rateLimitPerSecond: 3 }, { system: a.system });
        const d = await startTestServer(database, { ...shared, rateLimitPerSecond: 3 }, { system: a.system });
        try {
          const token = await a.token();
          // 12 at once on each instance against 3/s: per process 6 would pass, shared 3 (one window).
          const answers = await Promise.all(
            Array.from({ length: 24 }, (_, i) => lookup(i % 2 === 0 ? c : d, token, o.built.codes)),
          );
          const passed = answers.filter((x) => x.status === 200).length;
          const refused = answers.filter((x) => x.status === 429).length;
          expect(passed + refused).toBe(24);
          expect(passed).toBeGreaterThanOrEqual(3);
          expect(passed).toBeLessThan(6);
        } finally {
          await d.close();
          await c.close();
        }
      });
    });

    describe("Redis unreachable", () => {
      let t: TestServer;
      const log = logLines();
      beforeAll(async () => {
        t = await startTestServer(
          database,
          {
            redisUrl: `redis://127.0.0.1:${await closedPort()}`,
            redisKeyPrefix: `test:${randomBytes(6).toString("hex")}:`,
            missBudgetPerMinute: 3,
            rateLimitPerSecond: 2,
          },
          { logStream: log.stream },
        );
        expect((await t.world(world)).status).toBe(200);
        await t.clock(NOW);
      }, 60_000);
      afterAll(async () => t?.close());

      it("the rate limit fails open, the budget counts per process, one log line per outage", async () => {
        const token = await t.token();
        // QR lookups name no code, so only the rate limit (2/s) could refuse them: it fails open.
        const qrInfo = await t.qr(o.built.shopOrderId);
        const burst = await Promise.all(
          Array.from({ length: 8 }, () =>
            t.query(token, { merchant_id: MERCHANT, third_shop_id: SHOP_1, qr_info: qrInfo }),
          ),
        );
        expect(burst.map((x) => x.status)).toEqual(Array(8).fill(200));
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) statuses.push((await lookup(t, token, [guess(100 + i)])).status);
        // 4 misses tip a budget of 3 in this process: never unlimited.
        expect(statuses).toEqual([500, 500, 500, 500, 429, 429]);
        // Reconnection attempts go on; the outage is logged once.
        await new Promise((r) => setTimeout(r, 600));
        const outage = log.lines.filter((l) => l.includes("redis unreachable"));
        expect(outage).toHaveLength(1);
        expect(JSON.parse(outage[0] as string).level).toBe(40);
      });
    });
  });
}
