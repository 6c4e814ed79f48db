/**
 * The POS's redeem and lookup logic (src/flow.ts) against a real server, without a browser:
 * transient rows are rechecked and retried with the same Idempotency-Key, a lost reply is
 * reconciled from the lookup, final rows stop at once, and nothing is ever redeemed twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../../server/test/support/databases.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../../server/test/support/world.js";
import { Api, PATHS } from "../src/api.js";
import { lookup, type Pacing, redeem, type Shop } from "../src/flow.js";

const P = "7200000000000000801";
const instant: Pacing = { sleep: async () => {}, attempts: 4, backoffMs: [0] };

for (const database of testDatabases()) {
  describe(`POS flow on ${database.name}`, () => {
    let t: TestServer;
    let token: string;
    const orders = Array.from({ length: 7 }, () =>
      order({ productId: P, items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }] }),
    );
    const refunding = order({ productId: P, items: [{ status: "AFTER_SALE_PROCESSING" }] });
    const shop: Shop = { merchantId: MERCHANT, thirdShopId: SHOP_1, locale: "en-US", now: () => NOW };

    beforeAll(async () => {
      t = await startTestServer(database);
      const world = baseWorld();
      world.products = [product(P)];
      world.orders = [...orders.map((o) => o.order), refunding.order];
      expect((await t.world(world)).status).toBe(200);
      await t.clock(NOW);
      token = await t.token();
    });
    afterAll(async () => {
      await t?.close();
    });

    /** An Api whose transport records redeem calls and can lose the answers of the first `lose`. */
    function api(lose = 0) {
      const calls: { path: string; key: string | null }[] = [];
      let lost = 0;
      const fetchThrough: typeof fetch = async (input, init) => {
        const path = new URL(String(input)).pathname;
        const headers = new Headers(init?.headers);
        calls.push({ path, key: headers.get("idempotency-key") });
        const res = await fetch(input, init);
        if (path === PATHS.redeem && lost < lose) {
          lost += 1;
          await res.arrayBuffer(); // the server answered (and committed) ...
          throw new TypeError("fetch failed"); // ... but the answer never arrived
        }
        return res;
      };
      const client = new Api(token, { fetch: fetchThrough, timeoutMs: 10_000 }, t.url);
      return { client, calls, redeemCalls: () => calls.filter((c) => c.path === PATHS.redeem) };
    }

    async function items(codes: string[]) {
      const r = await lookup(new Api(token, undefined, t.url), shop, { kind: "codes", codes }, instant);
      if (!r.ok) throw new Error(JSON.stringify(r.failure));
      return r.data.code_list;
    }

    async function redemptions(codes: string[]) {
      const rows = await t.system.database.db.selectFrom("redemptions").selectAll().execute();
      return rows.filter((r) => r.codes.some((c) => codes.includes(c)));
    }

    it("redeems, and reads the redeem time from a lookup", async () => {
      const o = orders[0] as (typeof orders)[number];
      const a = api();
      const outcome = await redeem(
        a.client,
        shop,
        { shopOrderId: o.built.shopOrderId, items: await items(o.built.codes) },
        instant,
      );
      expect(outcome.kind).toBe("redeemed");
      if (outcome.kind !== "redeemed") return;
      expect(outcome.reconciled).toBe(false);
      expect(outcome.redeemed.map((r) => r.redeemTime)).toEqual([NOW, NOW]);
      expect(await redemptions(o.built.codes)).toHaveLength(1);
    });

    it("a lost reply: the lookup shows the codes redeemed here; reconciled, never sent twice", async () => {
      const o = orders[1] as (typeof orders)[number];
      const a = api(1);
      const outcome = await redeem(
        a.client,
        shop,
        { shopOrderId: o.built.shopOrderId, items: await items(o.built.codes) },
        instant,
      );
      expect(outcome.kind).toBe("redeemed");
      if (outcome.kind !== "redeemed") return;
      expect(outcome.reconciled).toBe(true);
      const rows = await redemptions(o.built.codes);
      expect(rows).toHaveLength(1);
      expect(outcome.redeemed.map((r) => r.redeemId)).toEqual([rows[0]?.redeem_id, rows[0]?.redeem_id]);
      expect(outcome.redeemed.map((r) => r.redeemTime)).toEqual([NOW, NOW]);
      expect(a.redeemCalls()).toHaveLength(1);
    });

    it("a transient row (recheck): the lookup shows them still redeemable, so the same key is sent again", async () => {
      const o = orders[2] as (typeof orders)[number];
      expect((await t.fault("redeem.voucher_read", 1, MERCHANT)).status).toBe(200);
      const a = api();
      const outcome = await redeem(
        a.client,
        shop,
        { shopOrderId: o.built.shopOrderId, items: await items(o.built.codes) },
        instant,
      );
      expect(outcome.kind).toBe("redeemed");
      const calls = a.redeemCalls();
      expect(calls).toHaveLength(2);
      expect(calls[0]?.key).toBe(calls[1]?.key);
      expect(await redemptions(o.built.codes)).toHaveLength(1);
    });

    it("lost replies and a failing lookup: the same key again, and the server's replay answers", async () => {
      const o = orders[3] as (typeof orders)[number];
      const its = await items(o.built.codes);
      await t.fault("query.certificate", 4, MERCHANT);
      const a = api(1);
      const outcome = await redeem(a.client, shop, { shopOrderId: o.built.shopOrderId, items: its }, instant);
      await t.clearFaults();
      expect(outcome.kind).toBe("redeemed");
      const calls = a.redeemCalls();
      expect(calls.length).toBe(2);
      expect(calls[0]?.key).toBe(calls[1]?.key);
      expect(await redemptions(o.built.codes)).toHaveLength(1);
    });

    it("codes redeemed meanwhile elsewhere in the order: the rest is tried with a key of its own", async () => {
      const o = orders[4] as (typeof orders)[number];
      const its = await items(o.built.codes);
      // Another counter redeems the first code between this preview and the redeem.
      const other = await t.redeem(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: o.built.shopOrderId,
        code_list: [o.built.codes[0]],
        locale: "en-US",
      });
      expect(other.status).toBe(200);
      const a = api();
      const outcome = await redeem(a.client, shop, { shopOrderId: o.built.shopOrderId, items: its }, instant);
      expect(outcome.kind).toBe("redeemed");
      if (outcome.kind !== "redeemed") return;
      expect(outcome.reconciled).toBe(true);
      const calls = a.redeemCalls();
      expect(calls).toHaveLength(2);
      expect(calls[0]?.key).not.toBe(calls[1]?.key);
      expect(await redemptions(o.built.codes)).toHaveLength(2);
    });

    it("a final row stops at once: refund in progress is not retried", async () => {
      const its = await items(refunding.built.codes);
      const a = api();
      // The preview would not offer it; sent anyway, the server refuses for good.
      const outcome = await redeem(
        a.client,
        shop,
        { shopOrderId: refunding.built.shopOrderId, items: its },
        instant,
      );
      expect(outcome.kind).toBe("failed");
      if (outcome.kind !== "failed") return;
      expect(outcome.failure).toMatchObject({
        kind: "row",
        message: "FulfillSubOrderRefundInProgress",
        handling: "none",
      });
      expect(a.redeemCalls()).toHaveLength(1);
    });

    it("no answer to any redeem, the last recheck answered: ends 'redeemable', not on the stale no-answer", async () => {
      const o = orders[6] as (typeof orders)[number];
      const its = await items(o.built.codes);
      let redeems = 0;
      // The redeem never reaches the server (as when it is down); the lookups do.
      const down: typeof fetch = async (input, init) => {
        if (new URL(String(input)).pathname === PATHS.redeem) {
          redeems += 1;
          throw new TypeError("fetch failed");
        }
        return fetch(input, init);
      };
      const client = new Api(token, { fetch: down, timeoutMs: 10_000 }, t.url);
      const outcome = await redeem(client, shop, { shopOrderId: o.built.shopOrderId, items: its }, instant);
      expect(redeems).toBe(instant.attempts);
      expect(outcome.kind).toBe("redeemable");
      if (outcome.kind !== "redeemable") return;
      expect(outcome.redeemable.map((i) => i.code)).toEqual(o.built.codes);
      expect(outcome.failure).toMatchObject({ kind: "network" });
      expect(await redemptions(o.built.codes)).toHaveLength(0);
    });

    it("lookup retries a transient read failure in place", async () => {
      const o = orders[5] as (typeof orders)[number];
      await t.fault("query.certificate", 1, MERCHANT);
      const a = api();
      const r = await lookup(a.client, shop, { kind: "codes", codes: o.built.codes }, instant);
      expect(r.ok).toBe(true);
      expect(a.calls.filter((c) => c.path === PATHS.query)).toHaveLength(2);
      const bad = await lookup(a.client, shop, { kind: "qr", qr: "TT-!!!" }, instant);
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.failure).toMatchObject({ kind: "row", handling: "rescan" });
    });
  });
}
