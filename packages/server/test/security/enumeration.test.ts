/**
 * Code enumeration is throttled: unknown typed codes beyond a budget per app and merchant answer
 * 429 with Retry-After, and raise one operator alert; other apps are not affected.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../support/world.js";

const P = "7200000000000000701";

describe("code enumeration", () => {
  let t: TestServer;
  const world = baseWorld();
  world.products = [product(P)];
  const o = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
  world.orders = [o.order];
  world.apps?.push({
    client_key: "ck_other_app",
    client_secret: "cs_o",
    name: "Other app",
    webhook_url: null,
  });
  world.merchants?.[0]?.grants?.push({
    client_key: "ck_other_app",
    scopes: ["localservice.fulfill.query"],
    third_shop_ids: [],
  });

  beforeAll(async () => {
    const [database] = testDatabases();
    if (!database) throw new Error("no database");
    t = await startTestServer(database, { missBudgetPerMinute: 20 });
    expect((await t.world(world)).status).toBe(200);
    await t.clock(NOW);
  });
  afterAll(async () => t?.close());

  it("misses beyond the budget answer 429 and raise an operator alert", async () => {
    const token = await t.token();
    const guess = (i: number) => String(900000000000 + i);
    for (let i = 0; i < 4; i++) {
      const res = await t.query(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: Array.from({ length: 5 }, (_, j) => guess(i * 5 + j)),
      });
      expect(res.json.error.message).toBe("FulfillCertificateNotFound");
    }
    // 20 misses: at the budget, still answered; one more request of misses goes over it.
    await t.query(token, { merchant_id: MERCHANT, third_shop_id: SHOP_1, code_list: [guess(100)] });
    const throttled = await t.query(token, {
      merchant_id: MERCHANT,
      third_shop_id: SHOP_1,
      code_list: o.built.codes,
    });
    expect(throttled.status).toBe(429);
    expect(throttled.json.error.code).toBe("rate_limit_exceeded");
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    const alerts = await t.operator("GET", "/platform/alerts");
    expect(alerts.json.data.alerts).toHaveLength(1);
    expect(alerts.json.data.alerts[0]).toMatchObject({
      type: "code_enumeration",
      merchant_id: MERCHANT,
      misses: 21,
    });
    // another app of the same merchant is not throttled
    const other = await t.token({ clientKey: "ck_other_app", clientSecret: "cs_o" });
    const fine = await t.query(other, {
      merchant_id: MERCHANT,
      third_shop_id: SHOP_1,
      code_list: o.built.codes,
    });
    expect(fine.status).toBe(200);
    // a QR lookup is not a guess and is not throttled
    const qr = await t.query(token, {
      merchant_id: MERCHANT,
      third_shop_id: SHOP_1,
      qr_info: await t.qr(o.built.shopOrderId),
    });
    expect(qr.status).toBe(200);
  });
});
