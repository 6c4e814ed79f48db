/**
 * The code enumeration budget (CONTRACT.md section 2): every named code that does not resolve
 * for the caller is a miss, per code, on get_code_item_list and redeem_code, whatever the
 * answer. Past the budget per (app, merchant) and per device (a device's misses count against
 * its app too) both endpoints answer 429 with Retry-After, QR lookups included; one warn line
 * and one stored alert per window, visible from every server instance.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { logLines } from "../support/log-lines.js";
import { type HttpAnswer, startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1, SHOP_2 } from "../support/world.js";

const P1 = "7200000000000000701";
const P2 = "7200000000000000702";
const BUDGET = 99;
const QUERY_AND_REDEEM = ["localservice.fulfill.query", "localservice.fulfill.redeem"];

const guesses = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => String(900000000000 + from + i));

for (const database of testDatabases()) {
  describe(`code enumeration budget on ${database.name}`, () => {
    let t: TestServer;
    let second: TestServer;
    const { lines, stream: logStream } = logLines();
    const world = baseWorld();
    world.products = [product(P1), product(P2, { applicable_third_shop_ids: [SHOP_2] })];
    // One order per scenario, so no scenario redeems another's code.
    const orders = {
      demo: order({ productId: P1, items: [{ status: "WAIT_FULFILL" }] }),
      a: order({ productId: P1, items: [{ status: "WAIT_FULFILL" }] }),
      r: order({ productId: P1, items: [{ status: "WAIT_FULFILL" }] }),
      p: order({ productId: P1, items: [{ status: "WAIT_FULFILL" }] }),
      s2: order({
        productId: P2,
        items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }],
      }),
    };
    world.orders = Object.values(orders).map((o) => o.order);
    const apps: [string, string[]][] = [
      ["ck_other_app", []],
      ["ck_a", []],
      ["ck_r", []],
      ["ck_all", []],
      ["ck_s1", [SHOP_1]],
      ["ck_parent", []],
      ["ck_burst", []],
    ];
    for (const [key, shops] of apps) {
      world.apps?.push({ client_key: key, client_secret: `cs_${key}`, name: key, webhook_url: null });
      world.merchants?.[0]?.grants?.push({
        client_key: key,
        scopes: QUERY_AND_REDEEM,
        third_shop_ids: shops,
      });
    }
    const tokenOf = (key: string) => t.token({ clientKey: key, clientSecret: `cs_${key}` });
    const lookup = (server: TestServer, token: string, codes: string[], shop = SHOP_1) =>
      server.query(token, { merchant_id: MERCHANT, third_shop_id: shop, code_list: codes });
    const expect429 = (a: HttpAnswer, what: string) => {
      expect(a.status, `${what}: ${a.text}`).toBe(429);
      expect(a.json.error.code).toBe("rate_limit_exceeded");
      expect(Number(a.headers.get("retry-after"))).toBeGreaterThan(0);
    };
    const appId = async (clientKey: string) =>
      (
        await t.system.database.db
          .selectFrom("apps")
          .select("app_id")
          .where("client_key", "=", clientKey)
          .executeTakeFirstOrThrow()
      ).app_id;
    const alertsOf = async (server: TestServer, id: string) =>
      // biome-ignore lint/suspicious/noExplicitAny: alert objects of the JSON answer
      (await server.operator("GET", "/platform/alerts")).json.data.alerts.filter((a: any) => a.app_id === id);

    beforeAll(async () => {
      t = await startTestServer(database, { missBudgetPerMinute: BUDGET }, { logStream });
      // A second instance on the same database: its own limiters, as another process would have.
      second = await startTestServer(database, { missBudgetPerMinute: BUDGET }, { system: t.system });
      expect((await t.world(world)).status).toBe(200);
      await t.clock(NOW);
    }, 60_000);
    afterAll(async () => {
      await second?.close();
      await t?.close();
    });

    it("misses beyond the budget answer 429 on lookups (QR too) and raise an alert; other apps are not affected", async () => {
      const token = await t.token();
      expect((await lookup(t, token, guesses(0, 99))).json.error.message).toBe("FulfillCertificateNotFound");
      // 99 misses: at the budget, still answered; one more request of misses goes over it.
      expect((await lookup(t, token, guesses(100, 1))).json.error.message).toBe("FulfillCertificateNotFound");
      expect429(await lookup(t, token, orders.demo.built.codes), "over the budget");
      expect429(
        await t.query(token, {
          merchant_id: MERCHANT,
          third_shop_id: SHOP_1,
          qr_info: await t.qr(orders.demo.built.shopOrderId),
        }),
        "a QR lookup of a blocked caller",
      );
      const alerts = await alertsOf(t, await appId("ck_demo"));
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({
        type: "code_enumeration",
        budget: "app",
        merchant_id: MERCHANT,
        device_id: null,
        misses: 100,
        window_seconds: 60,
      });
      const other = await tokenOf("ck_other_app");
      expect((await lookup(t, other, orders.demo.built.codes)).status).toBe(200);
    });

    it("concurrent requests cannot outrun the budget: the codes are held while the lookups run", async () => {
      const token = await tokenOf("ck_burst");
      // 30 lookups of 33 guesses at once against a budget of 99: the first four fit (the fourth
      // tips it over: 132), every other one is refused, however the lookups interleave.
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) => lookup(t, token, guesses(5000 + i * 33, 33))),
      );
      const answered = answers.filter((a) => a.status !== 429);
      for (const a of answered) expect(a.json.error.message, a.text).toBe("FulfillCertificateNotFound");
      expect(answered.length).toBeGreaterThanOrEqual(1);
      expect(answered.length).toBeLessThanOrEqual(4);
      expect(answers.filter((a) => a.status === 429)).toHaveLength(30 - answered.length);
    });

    it("a lookup naming 1 known code and 99 guesses spends 99 misses", async () => {
      const token = await tokenOf("ck_a");
      const first = await lookup(t, token, [...orders.a.built.codes, ...guesses(1000, 99)]);
      expect(first.status, first.text).toBe(200);
      expect(first.json.data.code_list).toHaveLength(1);
      // 99 spent, the budget: a lookup of the known code alone is still answered...
      expect((await lookup(t, token, orders.a.built.codes)).status).toBe(200);
      // ...and one more guess tips it over.
      await lookup(t, token, guesses(1200, 1));
      expect429(await lookup(t, token, orders.a.built.codes), "after 99 + 1 misses");
    });

    it("unknown codes under a known shop_order_id in redeem_code (R14) are misses; redeem_code is throttled too", async () => {
      const token = await tokenOf("ck_r");
      const redeem = (codes: string[]) =>
        t.redeem(token, {
          merchant_id: MERCHANT,
          third_shop_id: SHOP_1,
          shop_order_id: orders.r.built.shopOrderId,
          code_list: codes,
          locale: "en-US",
        });
      const r14 = await redeem(guesses(2000, 100));
      expect(r14.json.error.message).toBe("FulfillVoucherCountMismatch");
      expect429(await redeem(orders.r.built.codes), "redeem after 100 misses");
      expect429(await lookup(t, token, orders.r.built.codes), "lookup after 100 redeem misses");
    });

    it("a code of S-002 is a miss for an app limited to S-001, not for an app of every shop", async () => {
      const codes = [...orders.s2.built.codes, ...guesses(3000, 97)];
      const all = await tokenOf("ck_all");
      expect((await lookup(t, all, codes)).json.error.message).toBe("FulfillNoCodeUsableAtShop");
      // 97 misses for the app that may act at S-002: under the budget.
      expect((await lookup(t, all, orders.demo.built.codes)).status).toBe(200);
      const limited = await tokenOf("ck_s1");
      expect((await lookup(t, limited, codes)).json.error.message).toBe("FulfillNoCodeUsableAtShop");
      // 3 codes usable at none of its shops + 97 guesses = 100 misses.
      expect429(await lookup(t, limited, orders.demo.built.codes), "S-001 app after S-002 codes");
    });

    it("a device's misses count against the app it was paired for; one warn line; the alert is seen from another instance", async () => {
      const created = await t.operator("POST", `/platform/merchants/${MERCHANT}/devices`, {
        third_shop_id: SHOP_1,
        client_key: "ck_parent",
      });
      expect(created.status, created.text).toBe(200);
      const paired = await t.postJson("/pos/api/pair", { code: created.json.data.pairing_code });
      expect(paired.status, paired.text).toBe(200);
      const device = paired.json.data.access_token as string;
      const deviceId = created.json.data.device_id as string;
      const parent = await tokenOf("ck_parent");

      expect((await lookup(t, parent, guesses(4000, 1))).status).toBe(500); // parent: 1 miss
      // The device: 99 misses of its own (at its budget), 100 for its app (over it).
      const byDevice = await lookup(t, device, [...orders.p.built.codes, ...guesses(4100, 99)]);
      expect(byDevice.status, byDevice.text).toBe(200);
      expect429(await lookup(t, parent, orders.p.built.codes), "the parent app after its device's misses");
      expect429(await lookup(t, device, orders.p.built.codes), "the device of a blocked app");

      const parentId = await appId("ck_parent");
      const seen = await alertsOf(second, parentId);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        budget: "app",
        merchant_id: MERCHANT,
        device_id: deviceId,
        misses: 100,
      });

      const warned = lines.filter((l) => l.includes("code enumeration suspected") && l.includes(parentId));
      expect(warned).toHaveLength(1);
      const alert = JSON.parse(warned[0] as string).alert;
      expect(alert).toMatchObject({ app_id: parentId, merchant_id: MERCHANT, device_id: deviceId });
      expect(JSON.parse(warned[0] as string).level).toBe(40);
      for (const code of [...orders.p.built.codes, ...guesses(4100, 99)])
        expect(warned[0]).not.toContain(code);
    });
  });
}
