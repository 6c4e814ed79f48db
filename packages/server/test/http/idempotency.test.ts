/**
 * Idempotency-Key on redeem_code (CONTRACT.md section 5), Stripe's semantics: replay of the first
 * final answer, a different body refused, in flight answered with a conflict, a transient answer
 * releases the key.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../support/world.js";

const P = "7200000000000000201";

for (const database of testDatabases()) {
  describe(`Idempotency-Key on ${database.name}`, () => {
    let t: TestServer;
    let token: string;
    const world = baseWorld();
    world.products = [product(P)];
    const orders = Array.from({ length: 5 }, () =>
      order({ productId: P, items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }] }),
    );
    world.orders = orders.map((o) => o.order);
    const body = (i: number, codes?: string[]) => ({
      merchant_id: MERCHANT,
      third_shop_id: SHOP_1,
      shop_order_id: orders[i]?.built.shopOrderId,
      code_list: codes ?? orders[i]?.built.codes,
      locale: "id-ID",
    });

    beforeAll(async () => {
      t = await startTestServer(database, { coreDeadlineMs: 1000 });
      expect((await t.world(world)).status).toBe(200);
      await t.clock(NOW);
      token = await t.token();
    });
    afterAll(async () => t?.close());
    beforeEach(async () => {
      await t.clearFaults();
    });

    it("the same key and body replays the first success with its own log id", async () => {
      const first = await t.redeem(token, body(0), "key-0");
      expect(first.status).toBe(200);
      const second = await t.redeem(token, body(0), "key-0");
      expect(second.status).toBe(200);
      expect(second.json.data).toEqual(first.json.data);
      expect(second.headers.get("idempotent-replayed")).toBe("true");
      expect(second.json.error.log_id).toBe(second.headers.get("x-tt-logid"));
      expect(second.json.error.log_id).not.toBe(first.json.error.log_id);
      // without the key, the same body is a new attempt: already used
      const third = await t.redeem(token, body(0));
      expect(third.json.error.code).toBe("-3000102");
    });

    it("the same key with another body answers FulfillIdempotencyKeyReused", async () => {
      await t.redeem(token, body(1, [orders[1]?.built.codes[0] as string]), "key-1");
      const other = await t.redeem(token, body(1, [orders[1]?.built.codes[1] as string]), "key-1");
      expect(other.status).toBe(500);
      expect(other.json.error).toMatchObject({
        code: "-9990001",
        message: "FulfillIdempotencyKeyReused",
        handling: "none",
      });
    });

    it("a final error is replayed too; keys are scoped to app and merchant", async () => {
      const bad = { ...body(2), shop_order_id: "not-an-id" };
      const first = await t.redeem(token, bad, "key-2");
      expect(first.json.error.message).toBe("FulfillCoreParamInvalid");
      const again = await t.redeem(token, bad, "key-2");
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.json.error.message).toBe("FulfillCoreParamInvalid");
    });

    it("while the first is in flight, the same key answers a conflict; a transient answer releases the key", async () => {
      await t.fault("redeem.core_timeout", 1);
      const slow = t.redeem(token, body(3), "key-3");
      await new Promise((r) => setTimeout(r, 300));
      const during = await t.redeem(token, body(3), "key-3");
      expect(during.status).toBe(500);
      expect(during.json.error).toMatchObject({
        code: "-9990452",
        message: "FulfillRedeemUpdateConflict",
        handling: "recheck",
      });
      const timedOut = await slow;
      expect(timedOut.json.error.message).toBe("FulfillCoreRedeemTimeout");
      // the key was released by the transient answer: a retry with it runs again and succeeds
      const retry = await t.redeem(token, body(3), "key-3");
      expect(retry.status).toBe(200);
      expect(retry.headers.get("idempotent-replayed")).toBeNull();
      const replay = await t.redeem(token, body(3), "key-3");
      expect(replay.json.data.redeem_id).toBe(retry.json.data.redeem_id);
    });

    it("a key kept more than 24 hours is forgotten", async () => {
      const first = await t.redeem(token, body(4, [orders[4]?.built.codes[0] as string]), "key-4");
      expect(first.status).toBe(200);
      const gateway = t.server.system.gateway;
      await gateway.db
        .updateTable("idempotency_keys")
        .set({ created_at_ms: Date.now() - 25 * 3600 * 1000 })
        .where("key", "=", "key-4")
        .execute();
      const later = await t.redeem(token, body(4, [orders[4]?.built.codes[1] as string]), "key-4");
      expect(later.status).toBe(200);
      expect(later.json.data.redeem_id).not.toBe(first.json.data.redeem_id);
    });

    it("a key longer than 255 characters is a schema error", async () => {
      const res = await t.redeem(token, body(4), "k".repeat(256));
      expect(res.json.error).toMatchObject({ code: "-9990001", message: "FulfillParamInvalid" });
    });
  });
}
