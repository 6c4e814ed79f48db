/**
 * The Idempotency-Key rule of `@fulfill/sdk/wire` (CONTRACT.md section 5), as the SDK's redeem
 * follows it against a real server: the same key exactly while the body is unchanged, a new key
 * when the pending codes change, because the server refuses a changed body under a key that
 * holds a final answer (X1 `FulfillIdempotencyKeyReused`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testDatabases } from "../../server/test/support/databases.js";
import { REDEEM, type TestServer } from "../../server/test/support/server.js";
import { baseWorld, MERCHANT, order, product, SHOP_1 } from "../../server/test/support/world.js";
import type { FulfillClient } from "../src/index.js";
import { idempotencyKeys, type RedeemBody } from "../src/wire/index.js";
import { closeHarness, freshTest, type Harness, startHarness } from "./support/harness.js";
import type { RecordingProxy } from "./support/proxy.js";

const P = "7200000000000000311";
const waiting = (n: number) =>
  order({ productId: P, items: Array.from({ length: n }, () => ({ status: "WAIT_FULFILL" as const })) });

const body = (codes: string[], over: Partial<RedeemBody> = {}): RedeemBody & Record<string, unknown> => ({
  merchant_id: MERCHANT,
  third_shop_id: SHOP_1,
  shop_order_id: "1000000000000000001",
  code_list: codes,
  locale: "en-US",
  ...over,
});

describe("idempotencyKeys", () => {
  it("keeps the key while the body is unchanged and takes a new one for any change", () => {
    const keys = idempotencyKeys();
    const first = keys.keyFor(body(["1", "2"]));
    expect(keys.keyFor(body(["1", "2"]))).toBe(first);
    const fewer = keys.keyFor(body(["2"]));
    expect(fewer).not.toBe(first);
    expect(keys.keyFor(body(["2"]))).toBe(fewer);
    expect(keys.keyFor(body(["2"], { locale: "id-ID" }))).not.toBe(fewer);
  });

  it("uses the caller's key for the first body only, and the prefix for the keys it makes", () => {
    const keys = idempotencyKeys({ first: "persisted-key", prefix: "pos-" });
    expect(keys.keyFor(body(["1", "2"]))).toBe("persisted-key");
    expect(keys.keyFor(body(["1", "2"]))).toBe("persisted-key");
    expect(keys.keyFor(body(["1"]))).toMatch(/^pos-[0-9a-f-]{32,36}$/);
  });
});

for (const database of testDatabases()) {
  describe(`The Idempotency-Key rule against a real server on ${database.name}`, () => {
    const orders = { retried: waiting(2), shrunk: waiting(2), reused: waiting(2) };
    const world = baseWorld();
    world.products = [product(P)];
    world.orders = Object.values(orders).map((o) => o.order);
    let h: Harness;
    let t: TestServer;
    let proxy: RecordingProxy;
    let client: FulfillClient;

    beforeAll(async () => {
      h = await startHarness(database, world);
      ({ t, proxy, client } = h);
    });
    afterAll(() => closeHarness(h));
    beforeEach(() => freshTest(h));

    const redeemHits = () =>
      proxy.hits
        .filter((h) => h.path === REDEEM)
        .map((h) => ({
          key: h.headers["idempotency-key"],
          codes: JSON.parse(h.body).code_list as string[],
          message: JSON.parse(h.answer || "{}").error?.message as string,
        }));

    it("a retry of the same body carries the same key", async () => {
      const { built } = orders.retried;
      await t.fault("redeem.voucher_read", 1, MERCHANT);
      const result = await client.redeem({
        thirdShopId: SHOP_1,
        shopOrderId: built.shopOrderId,
        codes: built.codes,
      });
      const hits = redeemHits();
      expect(hits.map((h) => h.message)).toEqual(["FulfillVoucherReadFailed", "success"]);
      expect(hits.map((h) => h.codes)).toEqual([built.codes, built.codes]);
      expect(hits[1]?.key).toBe(hits[0]?.key);
      expect(result.idempotencyKey).toBe(hits[0]?.key);
    });

    it("when the pending codes change, the smaller body goes with a new key", async () => {
      const { built } = orders.shrunk;
      const [one, two] = built.codes as [string, string];
      // Another counter of the same shop redeems the first code in between.
      const other = await client.redeem({
        thirdShopId: SHOP_1,
        shopOrderId: built.shopOrderId,
        codes: [one],
      });
      proxy.reset();
      const result = await client.redeem({
        thirdShopId: SHOP_1,
        shopOrderId: built.shopOrderId,
        codes: [one, two],
      });
      const hits = redeemHits();
      expect(hits.map((h) => h.codes)).toEqual([[one, two], [two]]);
      expect(hits.map((h) => h.message)).toEqual(["FulfillVoucherAlreadyUsed", "success"]);
      expect(hits[1]?.key).not.toBe(hits[0]?.key);
      expect(result).toMatchObject({ reconciled: true, attempts: 2, idempotencyKey: hits[1]?.key });
      expect(result.redeemIds[one]).toBe(other.redeemId);
      expect(result.redeemIds[two]).not.toBe(other.redeemId);
    });

    it("why: a changed body under a key that holds a final answer is refused (X1)", async () => {
      const { built } = orders.reused;
      const [one, two] = built.codes as [string, string];
      const token = await t.token();
      const first = body([one], { shop_order_id: built.shopOrderId });
      const keys = idempotencyKeys();
      const key = keys.keyFor(first);
      expect((await t.redeem(token, first, key)).status).toBe(200);
      const changed = body([two], { shop_order_id: built.shopOrderId });
      const refused = await t.redeem(token, changed, key);
      expect(refused.json.error).toMatchObject({ message: "FulfillIdempotencyKeyReused", handling: "none" });
      // The rule never sends that: the changed body gets a key of its own.
      const fresh = keys.keyFor(changed);
      expect(fresh).not.toBe(key);
      expect((await t.redeem(token, changed, fresh)).status).toBe(200);
    });
  });
}
