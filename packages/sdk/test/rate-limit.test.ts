/** 429 against a real server with a low rate limit: the SDK waits for Retry-After, then sends again. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testDatabases } from "../../server/test/support/databases.js";
import { QUERY, REDEEM, startTestServer, type TestServer } from "../../server/test/support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../../server/test/support/world.js";
import { createClient, type FulfillClient, RateLimitedError } from "../src/index.js";
import { type RecordingProxy, startProxy } from "./support/proxy.js";

const P = "7200000000000000501";
const lookupOrder = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
// Six concurrent redeems against a limit of 2/s: some are limited however the machine spreads them.
const redeemOrders = [1, 2, 3, 4, 5, 6].map(() =>
  order({ productId: P, items: [{ status: "WAIT_FULFILL" }] }),
);

for (const database of testDatabases()) {
  describe(`SDK and 429 on ${database.name}`, () => {
    let t: TestServer;
    let proxy: RecordingProxy;
    let client: FulfillClient;
    const world = baseWorld();
    world.products = [product(P)];
    world.orders = [lookupOrder.order, ...redeemOrders.map((o) => o.order)];

    beforeAll(async () => {
      t = await startTestServer(database, { rateLimitPerSecond: 2 });
      expect((await t.world(world)).status).toBe(200);
      await t.clock(NOW);
      proxy = await startProxy(t.url);
      client = createClient({
        baseUrl: proxy.url,
        clientKey: "ck_demo",
        clientSecret: "cs_demo",
        merchantId: MERCHANT,
      });
      await client.accessToken();
    });
    afterAll(async () => {
      await proxy?.close();
      await t?.close();
    });
    let first = true;
    beforeEach(async () => {
      // Let the previous test's rate window pass.
      if (!first) await new Promise((r) => setTimeout(r, 2_100));
      first = false;
      proxy.reset();
    });

    it("a 429 is waited on for Retry-After, then the call succeeds", async () => {
      const started = Date.now();
      const done: number[] = [];
      const results = await Promise.all(
        [0, 1, 2, 3, 4, 5].map(async () => {
          const r = await client.lookup({ thirdShopId: SHOP_1, codes: lookupOrder.built.codes });
          done.push(Date.now() - started);
          return r;
        }),
      );
      expect(results.every((r) => r.codeList.length === 1)).toBe(true);
      const limited = proxy.hits.filter((h) => h.path === QUERY && h.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      for (const h of limited) expect(JSON.parse(h.answer).error.code).toBe("rate_limit_exceeded");
      // The limited calls waited the whole Retry-After (1 s) before they were answered.
      expect(Math.max(...done)).toBeGreaterThanOrEqual(990);
      expect(proxy.hits.filter((h) => h.path === QUERY && h.status === 200)).toHaveLength(6);
      // Waiting, not hammering: each limited call was answered on its next try.
      expect(proxy.count(QUERY)).toBe(6 + limited.length);
    });

    it("a 429 on redeem is sent again with the same key, without a recheck", async () => {
      const results = await Promise.all(
        redeemOrders.map(({ built }) =>
          client.redeem({ thirdShopId: SHOP_1, shopOrderId: built.shopOrderId, codes: built.codes }),
        ),
      );
      const redeems = proxy.hits.filter((h) => h.path === REDEEM);
      expect(redeems.filter((h) => h.status === 429).length).toBeGreaterThan(0);
      expect(proxy.count(QUERY)).toBe(0);
      for (const r of results) {
        const mine = redeems.filter((h) => h.headers["idempotency-key"] === r.idempotencyKey);
        expect(mine.at(-1)?.status).toBe(200);
        expect(r.attempts).toBe(mine.length);
        // After a 429 the same key came back only once Retry-After (1 s) had passed.
        for (let i = 1; i < mine.length; i++) {
          expect(mine[i - 1]?.status).toBe(429);
          expect((mine[i]?.at ?? 0) - (mine[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(990);
        }
      }
    });

    it("with no attempts left, the 429 is a RateLimitedError carrying the wait", async () => {
      const outcomes = await Promise.allSettled(
        [0, 1, 2].map(() =>
          client.lookup({ thirdShopId: SHOP_1, codes: lookupOrder.built.codes, maxAttempts: 1 }),
        ),
      );
      const rejected = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
      expect(rejected.length).toBeGreaterThan(0);
      for (const e of rejected) {
        expect(e).toBeInstanceOf(RateLimitedError);
        expect(e).toMatchObject({ code: "rate_limit_exceeded", httpStatus: 429, retryAfterMs: 1000 });
      }
      expect(proxy.count(QUERY)).toBe(3);
    });
  });
}
