/**
 * Tokens against a real server: 100 concurrent calls around an expiry cause exactly one refresh,
 * whether the SDK sees the expiry coming (its clock) or learns it from 401s (the server's
 * business clock ran ahead); rotating refresh tokens; a fixed bearer token.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testDatabases } from "../../server/test/support/databases.js";
import { QUERY, startTestServer, type TestServer } from "../../server/test/support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../../server/test/support/world.js";
import { AuthError, createClient, TOKEN_PATH } from "../src/index.js";
import { type RecordingProxy, startProxy } from "./support/proxy.js";

const P = "7200000000000000401";
const TTL = 600;
const o = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });

for (const database of testDatabases()) {
  describe(`SDK tokens on ${database.name}`, () => {
    let t: TestServer;
    let proxy: RecordingProxy;
    const world = baseWorld();
    world.products = [product(P)];
    world.orders = [o.order];

    beforeAll(async () => {
      t = await startTestServer(database, { accessTtlSeconds: TTL });
      expect((await t.world(world)).status).toBe(200);
      proxy = await startProxy(t.url);
    });
    afterAll(async () => {
      await proxy?.close();
      await t?.close();
    });
    beforeEach(async () => {
      await t.clock(NOW);
      proxy.reset();
    });

    const tokenHits = () =>
      proxy.hits
        .filter((h) => h.path === TOKEN_PATH)
        .map((h) => new URLSearchParams(h.body).get("grant_type"));
    const bearers = () =>
      new Set(proxy.hits.filter((h) => h.path === QUERY).map((h) => h.headers.authorization));
    const hundredLookups = (client: ReturnType<typeof createClient>) =>
      Promise.all(
        Array.from({ length: 100 }, () => client.lookup({ thirdShopId: SHOP_1, codes: o.built.codes })),
      );

    it("ahead of expiry: 100 concurrent calls share exactly one refresh", async () => {
      let sdkNow = NOW;
      const client = createClient({
        baseUrl: proxy.url,
        clientKey: "ck_demo",
        clientSecret: "cs_demo",
        merchantId: MERCHANT,
        refreshSkewSeconds: 60,
        now: () => sdkNow,
      });
      await client.lookup({ thirdShopId: SHOP_1, codes: o.built.codes });
      expect(tokenHits()).toEqual(["access_token"]);
      const first = [...bearers()];
      proxy.reset();

      // 30 s before expiry: inside the 60 s skew, still valid at the server.
      sdkNow = NOW + TTL - 30;
      await t.clock(sdkNow);
      const results = await hundredLookups(client);
      expect(results).toHaveLength(100);
      expect(tokenHits()).toEqual(["refresh_token"]);
      expect(proxy.hits.filter((h) => h.path === QUERY).every((h) => h.status === 200)).toBe(true);
      const used = bearers();
      expect(used.size).toBe(1);
      expect(used.has(first[0])).toBe(false);

      // The rotated token keeps working; no further refresh while it is fresh.
      proxy.reset();
      await hundredLookups(client);
      expect(tokenHits()).toEqual([]);
    });

    it("after expiry seen only by the server: 100 concurrent 401s cause exactly one refresh", async () => {
      const client = createClient({
        baseUrl: proxy.url,
        clientKey: "ck_demo",
        clientSecret: "cs_demo",
        merchantId: MERCHANT,
        now: () => NOW, // the SDK's clock does not see the expiry coming
      });
      await client.lookup({ thirdShopId: SHOP_1, codes: o.built.codes });
      proxy.reset();
      await t.clock(NOW + TTL + 1);
      const results = await hundredLookups(client);
      expect(results).toHaveLength(100);
      expect(tokenHits()).toEqual(["refresh_token"]);
      const statuses = proxy.hits.filter((h) => h.path === QUERY).map((h) => h.status);
      expect(statuses.filter((s) => s === 401).length).toBeGreaterThan(0);
      expect(statuses.filter((s) => s === 200)).toHaveLength(100);
      expect(statuses.every((s) => s === 200 || s === 401)).toBe(true);
    });

    it("a rotated-away refresh token falls back to a new grant with the credentials", async () => {
      let sdkNow = NOW;
      const opts = {
        baseUrl: proxy.url,
        clientKey: "ck_demo",
        clientSecret: "cs_demo",
        merchantId: MERCHANT,
        refreshSkewSeconds: 60,
        now: () => sdkNow,
      };
      const client = createClient(opts);
      await client.lookup({ thirdShopId: SHOP_1, codes: o.built.codes });
      // Someone else consumes our refresh token (e.g. a second process with the same pair).
      const refreshToken = JSON.parse(proxy.hits.find((h) => h.path === TOKEN_PATH)?.answer ?? "{}")
        .refresh_token as string;
      const stolen = await t.request(TOKEN_PATH, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          client_key: "ck_demo",
          client_secret: "cs_demo",
          merchant_id: MERCHANT,
          grant_type: "refresh_token",
          refresh_token: refreshToken ?? "",
        }).toString(),
      });
      expect(stolen.status).toBe(200);
      proxy.reset();
      sdkNow = NOW + TTL - 30;
      await client.lookup({ thirdShopId: SHOP_1, codes: o.built.codes });
      expect(tokenHits()).toEqual(["refresh_token", "access_token"]);
      expect(proxy.hits.find((h) => h.path === TOKEN_PATH)?.status).toBe(400);
    });

    it("a fixed bearer token is used as is and never refreshed; a refused one is an AuthError", async () => {
      const token = await t.token();
      const fixed = createClient({ baseUrl: proxy.url, accessToken: token, merchantId: MERCHANT });
      const found = await fixed.lookup({ thirdShopId: SHOP_1, codes: o.built.codes });
      expect(found.codeList).toHaveLength(1);
      expect([...bearers()]).toEqual([`Bearer ${token}`]);
      proxy.reset();
      const bogus = createClient({ baseUrl: proxy.url, accessToken: "mat.bogus", merchantId: MERCHANT });
      const err = await bogus.lookup({ thirdShopId: SHOP_1, codes: o.built.codes }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      expect(err).toMatchObject({ code: "access_token_invalid", httpStatus: 401 });
      expect(proxy.count(QUERY)).toBe(1);
      expect(tokenHits()).toEqual([]);
    });

    it("wrong client credentials are an AuthError with the OAuth error code", async () => {
      const client = createClient({
        baseUrl: proxy.url,
        clientKey: "ck_demo",
        clientSecret: "wrong",
        merchantId: MERCHANT,
      });
      const err = await client.lookup({ thirdShopId: SHOP_1, codes: o.built.codes }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      expect(err).toMatchObject({ code: "invalid_client", httpStatus: 401, endpoint: "token" });
      expect((err as AuthError).logId).toBeTruthy();
      expect(proxy.count(QUERY)).toBe(0);
    });
  });
}
