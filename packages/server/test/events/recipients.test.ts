/**
 * Who receives an event (CONTRACT.md section 8), end to end on every test database with real
 * receivers on a loopback port: only the apps whose grant, when the event was committed, was live,
 * held a fulfillment scope and covered the event's shop (redeem and cancel: where it happened;
 * after-sale: a shop of the item's snapshot). A grant given after the commit gets nothing of it; a
 * grant revoked before the delivery is sent dead-letters it with cause grant_revoked, unsent.
 *
 * The relay polls only once an hour here: it runs when an HTTP request nudges it, so a test
 * decides whether the fan-out comes before or after a grant changes (the core calls nudge nothing).
 * The app revoked later has its own receiver, down until its grant is gone, so its delivery is
 * certainly still pending at the revocation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestRefund } from "../../src/core/after-sale.js";
import { cancelRedemption } from "../../src/core/cancel-redemption.js";
import type { WorldT } from "../../src/sandbox/world-schema.js";
import { redeem } from "../support/core-harness.js";
import { testDatabases } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1, SHOP_2 } from "../support/world.js";
import { fastDelivery, Receiver, waitFor } from "./support.js";

const BOTH_SHOPS = "7200000000000000701";
const ONLY_SHOP_2 = "7200000000000000702";
const SCOPES = ["localservice.fulfill.query", "localservice.fulfill.redeem"];
const SECRETS: Record<string, string> = {
  ck_all: "cs_all_shops_app_secret_000000001",
  ck_s1: "cs_shop_one_app_secret_0000000001",
  ck_s2: "cs_shop_two_app_secret_0000000001",
  ck_unrelated: "cs_unrelated_app_secret_000000001",
  ck_late: "cs_late_grant_app_secret_00000001",
  ck_revoke: "cs_revoked_later_app_secret_00001",
};

const itemsOf = (productId: string, n: number) =>
  order({ productId, items: Array.from({ length: n }, () => ({ status: "WAIT_FULFILL" as const })) });

function recipientsWorld(receiver: Receiver, own: Receiver, orders: ReturnType<typeof order>[]): WorldT {
  const world = baseWorld();
  world.apps = Object.keys(SECRETS).map((ck) => ({
    client_key: ck,
    client_secret: SECRETS[ck] as string,
    name: ck,
    webhook_url: `${(ck === "ck_revoke" ? own : receiver).url}/hook/${ck}`,
  }));
  const [main] = world.merchants ?? [];
  if (!main) throw new Error("base world changed");
  main.grants = [
    { client_key: "ck_all", scopes: SCOPES, third_shop_ids: [] },
    { client_key: "ck_s1", scopes: SCOPES, third_shop_ids: [SHOP_1] },
    { client_key: "ck_s2", scopes: SCOPES, third_shop_ids: [SHOP_2] },
    { client_key: "ck_unrelated", scopes: ["user.info.basic"], third_shop_ids: [] },
    { client_key: "ck_revoke", scopes: ["localservice.fulfill.query"], third_shop_ids: [] },
  ];
  world.products = [
    product(BOTH_SHOPS, { applicable_third_shop_ids: [SHOP_1, SHOP_2], valid_to: NOW + 300 * 86400 }),
    product(ONLY_SHOP_2, { applicable_third_shop_ids: [SHOP_2], valid_to: NOW + 300 * 86400 }),
  ];
  world.orders = orders.map((o) => o.order);
  return world;
}

interface Row {
  client_key: string;
  state: string;
  attempts: number;
  last_error: string | null;
}

for (const database of testDatabases()) {
  describe(`event recipients on ${database.name}`, () => {
    const receiver = new Receiver(SECRETS);
    const revokedReceiver = new Receiver(SECRETS);
    let t: TestServer;
    const atShop1 = itemsOf(BOTH_SHOPS, 1);
    const lateGrant = itemsOf(BOTH_SHOPS, 2);
    const revokedLater = itemsOf(BOTH_SHOPS, 1);
    const afterSale = itemsOf(ONLY_SHOP_2, 1);

    /** Any HTTP POST wakes the relay (the core calls in these tests do not). */
    const nudge = async () => expect((await t.clearFaults()).status).toBe(200);

    async function eventsOf(shopOrderId: string): Promise<string[]> {
      const rows = await t.system.database.db
        .selectFrom("outbox")
        .select("event_id")
        .where("shop_order_id", "=", shopOrderId)
        .orderBy("event_id")
        .execute();
      return rows.map((r) => r.event_id);
    }

    async function deliveriesOf(eventId: string): Promise<Row[]> {
      const rows = await t.system.database.db
        .selectFrom("webhook_deliveries as d")
        .innerJoin("apps as a", "a.app_id", "d.app_id")
        .select(["a.client_key", "d.state", "d.attempts", "d.last_error"])
        .where("d.event_id", "=", eventId)
        .orderBy("a.client_key")
        .execute();
      return rows.map((r) => ({ ...r, attempts: Number(r.attempts) }));
    }

    /** The event's deliveries once it is fanned out and none is pending any more (retries need rounds: nudged). */
    async function settled(eventId: string): Promise<Row[]> {
      return waitFor(`deliveries of event ${eventId} to settle`, async () => {
        await nudge();
        const fanned = await t.system.database.db
          .selectFrom("outbox")
          .select("delivered_at")
          .where("event_id", "=", eventId)
          .executeTakeFirst();
        if (fanned?.delivered_at == null) return null;
        const rows = await deliveriesOf(eventId);
        return rows.every((r) => r.state !== "pending") ? rows : null;
      });
    }

    const receivedBy = (eventId: string) =>
      [...receiver.receipts, ...revokedReceiver.receipts]
        .filter((r) => r.body?.event_id === eventId)
        .map((r) => r.body.client_key as string)
        .sort();

    beforeAll(async () => {
      await receiver.start();
      await revokedReceiver.start();
      t = await startTestServer(database, fastDelivery({ webhookPollMs: 3600 * 1000 }));
      const world = recipientsWorld(receiver, revokedReceiver, [atShop1, lateGrant, revokedLater, afterSale]);
      expect((await t.world(world)).status).toBe(200);
      t.system.clock.freeze(NOW);
    });
    afterAll(async () => {
      await t?.close();
      await receiver.stop();
      await revokedReceiver.stop();
    });

    it("a redeem at S-001 goes to the apps covering S-001 with a fulfillment scope: not to an app limited to S-002, nor to one with an unrelated scope", async () => {
      const r = await redeem(t.system, atShop1.built.shopOrderId, [atShop1.built.codes[0] as string]);
      expect(r.ok).toBe(true);
      await nudge();
      const [eventId] = await eventsOf(atShop1.built.shopOrderId);
      const rows = await settled(eventId as string);
      expect(rows.map((d) => d.client_key)).toEqual(["ck_all", "ck_revoke", "ck_s1"]);
      expect(rows.every((d) => d.state === "delivered")).toBe(true);
      expect(receivedBy(eventId as string)).toEqual(["ck_all", "ck_revoke", "ck_s1"]);
      const codes = receiver.receipts
        .filter((x) => x.body?.client_key === "ck_s2" || x.body?.client_key === "ck_unrelated")
        .map((x) => x.raw);
      expect(codes).toEqual([]);
    });

    it("an app granted after the commit gets none of the earlier event (the fan-out runs after the grant), only later ones; a cancel goes to the shop's apps", async () => {
      const first = await redeem(t.system, lateGrant.built.shopOrderId, [lateGrant.built.codes[0] as string]);
      expect(first.ok).toBe(true);
      const [before] = await eventsOf(lateGrant.built.shopOrderId);
      // This request commits the grant, then nudges the relay: the fan-out sees the grant.
      const granted = await t.operator("PUT", `/platform/merchants/${MERCHANT}/grants/ck_late`, {
        scopes: SCOPES,
        third_shop_ids: [SHOP_1],
      });
      expect(granted.status).toBe(200);
      const rows = await settled(before as string);
      expect(rows.map((d) => d.client_key)).toEqual(["ck_all", "ck_revoke", "ck_s1"]);
      expect(receivedBy(before as string)).toEqual(["ck_all", "ck_revoke", "ck_s1"]);

      if (!first.ok) return;
      const cancelled = await cancelRedemption(t.system.cancelDeps, {
        merchantId: MERCHANT,
        appId: null,
        thirdShopId: SHOP_1,
        redeemId: first.value.redeemId,
      });
      expect(cancelled.ok).toBe(true);
      await nudge();
      const [, cancelEvent] = await eventsOf(lateGrant.built.shopOrderId);
      expect((await settled(cancelEvent as string)).map((d) => d.client_key)).toEqual([
        "ck_all",
        "ck_late",
        "ck_revoke",
        "ck_s1",
      ]);
      expect(receivedBy(cancelEvent as string)).toEqual(["ck_all", "ck_late", "ck_revoke", "ck_s1"]);
    });

    it("an app whose grant is revoked after the commit, its delivery still pending, gets it dead-lettered with cause grant_revoked; its receiver sees nothing", async () => {
      await revokedReceiver.stop(); // attempts fail meanwhile: the delivery stays pending
      const r = await redeem(t.system, revokedLater.built.shopOrderId, [
        revokedLater.built.codes[0] as string,
      ]);
      expect(r.ok).toBe(true);
      const [eventId] = await eventsOf(revokedLater.built.shopOrderId);
      await waitFor("a failed attempt to the app revoked next", async () => {
        await nudge();
        const row = (await deliveriesOf(eventId as string)).find((d) => d.client_key === "ck_revoke");
        return row && row.state === "pending" && row.attempts >= 1;
      });
      const revoked = await t.operator("DELETE", `/platform/merchants/${MERCHANT}/grants/ck_revoke`);
      expect(revoked.status).toBe(200);
      await revokedReceiver.start();
      const rows = await settled(eventId as string);
      const dead = rows.find((d) => d.client_key === "ck_revoke");
      expect({ state: dead?.state, last_error: dead?.last_error }).toEqual({
        state: "dead",
        last_error: "grant_revoked",
      });
      expect(receivedBy(eventId as string)).toEqual(["ck_all", "ck_late", "ck_s1"]);
      expect(revokedReceiver.receipts.filter((x) => x.body?.event_id === eventId)).toEqual([]);
      const list = await t.operator("GET", "/platform/webhooks/dead-letters?client_key=ck_revoke");
      expect(list.status).toBe(200);
      expect(JSON.stringify(list.json)).toContain("grant_revoked");
    });

    it("after-sale events go to the apps covering a shop of the item's snapshot (S-002 here), not to an app limited to S-001", async () => {
      const refund = await requestRefund(t.system.afterSaleDeps, MERCHANT, afterSale.built.shopOrderId, [
        afterSale.built.itemIds[0] as string,
      ]);
      expect(refund.ok).toBe(true);
      await nudge();
      const [eventId] = await eventsOf(afterSale.built.shopOrderId);
      const rows = await settled(eventId as string);
      expect(rows.map((d) => d.client_key)).toEqual(["ck_all", "ck_s2"]);
      expect(receivedBy(eventId as string)).toEqual(["ck_all", "ck_s2"]);
    });
  });
}
