/**
 * Webhook delivery end to end, on every test database: a real server whose relay sends to a
 * real receiver on a loopback port that checks each TikTok-Signature with the app's secret.
 * Signed envelope and content of the three event types, recipients by grant, at-least-once
 * through a receiver outage, order per (app, shop order) while retrying, dead letters and replay.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestRefund } from "../../src/core/after-sale.js";
import { cancelRedemption } from "../../src/core/cancel-redemption.js";
import type { WorldT } from "../../src/sandbox/world-schema.js";
import { redeem } from "../support/core-harness.js";
import { testDatabases } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { type BuiltOrder, baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../support/world.js";
import { fastDelivery, type Receipt, Receiver, sleep, waitFor } from "./support.js";

const P = "7200000000000000301";
const SECRETS: Record<string, string> = {
  ck_demo: "cs_demo",
  ck_second: "cs_second_app_secret_0001",
  ck_revoked: "cs_revoked_app_secret_0001",
  ck_nohook: "cs_nohook_app_secret_00001",
  ck_elsewhere: "cs_elsewhere_app_secret_01",
};
const SCOPES = ["localservice.fulfill.query", "localservice.fulfill.redeem"];

function webhookWorld(receiver: Receiver, orders: BuiltOrderSpec[]): WorldT {
  const world = baseWorld();
  const hook = (ck: string) => `${receiver.url}/hook/${ck}`;
  world.apps = [
    {
      client_key: "ck_demo",
      client_secret: SECRETS.ck_demo as string,
      name: "Demo POS",
      webhook_url: hook("ck_demo"),
    },
    {
      client_key: "ck_second",
      client_secret: SECRETS.ck_second as string,
      name: "Second",
      webhook_url: hook("ck_second"),
    },
    {
      client_key: "ck_revoked",
      client_secret: SECRETS.ck_revoked as string,
      name: "Revoked",
      webhook_url: hook("ck_revoked"),
    },
    {
      client_key: "ck_nohook",
      client_secret: SECRETS.ck_nohook as string,
      name: "No hook",
      webhook_url: null,
    },
    {
      client_key: "ck_elsewhere",
      client_secret: SECRETS.ck_elsewhere as string,
      name: "Elsewhere",
      webhook_url: hook("ck_elsewhere"),
    },
  ];
  const [main, other] = world.merchants ?? [];
  if (!main || !other) throw new Error("base world changed");
  main.grants = ["ck_demo", "ck_second", "ck_revoked", "ck_nohook"].map((client_key) => ({
    client_key,
    scopes: SCOPES,
    third_shop_ids: [],
  }));
  other.grants = [{ client_key: "ck_elsewhere", scopes: SCOPES, third_shop_ids: [] }];
  world.products = [product(P, { valid_to: NOW + 300 * 86400 })];
  world.orders = orders.map((o) => o.order);
  return world;
}

type BuiltOrderSpec = ReturnType<typeof order>;
const orderOf = (items: number) =>
  order({ productId: P, items: Array.from({ length: items }, () => ({ status: "WAIT_FULFILL" as const })) });

async function redeemOne(t: TestServer, o: BuiltOrder, i: number): Promise<string> {
  const r = await redeem(t.system, o.shopOrderId, [o.codes[i] as string]);
  if (!r.ok) throw new Error(`redeem failed: ${JSON.stringify(r)}`);
  return r.value.redeemId;
}

async function eventIdsOf(t: TestServer, shopOrderId: string): Promise<string[]> {
  const rows = await t.system.database.db
    .selectFrom("outbox")
    .select("event_id")
    .where("shop_order_id", "=", shopOrderId)
    .orderBy("event_id")
    .execute();
  return rows.map((r) => r.event_id);
}

const byApp = (receipts: Receipt[], ck: string) => receipts.filter((r) => r.body?.client_key === ck);
const codesOf = (r: Receipt): string[] => (r.content?.codes as string[] | undefined) ?? [];

for (const database of testDatabases()) {
  describe(`webhook delivery on ${database.name}`, () => {
    const receiver = new Receiver(SECRETS);
    let t: TestServer;
    const signed = orderOf(2);
    const outage = Array.from({ length: 4 }, () => orderOf(5));
    const ordered = orderOf(3);
    const bystander = orderOf(1);
    let retriedAttempts = 0;

    beforeAll(async () => {
      await receiver.start();
      t = await startTestServer(database, fastDelivery());
      expect((await t.world(webhookWorld(receiver, [signed, ...outage, ordered, bystander]))).status).toBe(
        200,
      );
      expect((await t.operator("DELETE", `/platform/merchants/${MERCHANT}/grants/ck_revoked`)).status).toBe(
        200,
      );
      t.system.clock.freeze(NOW);
    });
    let serverClosed = false;
    afterAll(async () => {
      if (serverClosed) await t?.system.close();
      else await t?.close();
      await receiver.stop();
    });

    it("a redeem over HTTP sends a signed TTLS envelope with the redeem content, to every granted app with a webhook", async () => {
      const token = await t.token();
      const res = await t.redeem(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: signed.built.shopOrderId,
        code_list: [signed.built.codes[0]],
        locale: "en-US",
      });
      expect(res.status).toBe(200);
      const redeemId = res.json.data.redeem_id as string;
      const [eventId] = await eventIdsOf(t, signed.built.shopOrderId);
      const got = await waitFor("both apps' webhooks", () => {
        const rs = receiver.receipts.filter((r) => r.body?.event_id === eventId);
        return rs.length >= 2 ? rs : null;
      });
      await sleep(150); // nothing more is coming for this event
      const all = receiver.receipts.filter((r) => r.body?.event_id === eventId);
      expect(all.map((r) => r.body.client_key).sort()).toEqual(["ck_demo", "ck_second"]);
      for (const r of got) {
        expect(r.signatureValid, `signature of ${r.body.client_key}`).toBe(true);
        expect(Math.abs((r.signatureTime ?? 0) - Date.now() / 1000)).toBeLessThan(60);
        expect(r.headers["content-type"]).toMatch(/^application\/json/);
        expect(r.path).toBe(`/hook/${r.body.client_key}`);
        expect(Object.keys(r.body).sort()).toEqual([
          "caller",
          "client_key",
          "content",
          "create_time",
          "event",
          "event_id",
          "user_id",
        ]);
        expect(r.body).toMatchObject({
          event: "ttls.fulfill.redeem.result",
          create_time: NOW,
          user_id: "6900000000000000001",
          caller: "ttls-fulfill",
          event_id: eventId,
        });
        expect(typeof r.body.content).toBe("string");
        expect(r.content).toEqual({
          shop_order_id: signed.built.shopOrderId,
          redeem_id: redeemId,
          item_ids: [signed.built.itemIds[0]],
          codes: [signed.built.codes[0]],
          third_shop_id: SHOP_1,
          redeem_time: NOW,
          redemption_source: 2,
        });
      }
      // A signature made with another app's secret does not verify: each app's own secret signs.
      const demo = got.find((r) => r.body.client_key === "ck_demo") as Receipt;
      const second = got.find((r) => r.body.client_key === "ck_second") as Receipt;
      expect(demo.headers["tiktok-signature"]).not.toEqual(second.headers["tiktok-signature"]);
    });

    it("cancel and after-sale events follow, in order, with their TTLS content; revoked, hook-less and other merchants' apps get nothing", async () => {
      const redeemId = await redeemOne(t, signed.built, 1);
      const cancelled = await cancelRedemption(t.system.cancelDeps, {
        merchantId: MERCHANT,
        appId: null,
        thirdShopId: SHOP_1,
        redeemId,
      });
      expect(cancelled.ok).toBe(true);
      const refund = await requestRefund(t.system.afterSaleDeps, MERCHANT, signed.built.shopOrderId, [
        signed.built.itemIds[1] as string,
      ]);
      expect(refund.ok).toBe(true);
      const ids = await eventIdsOf(t, signed.built.shopOrderId);
      expect(ids).toHaveLength(4);
      const demo = await waitFor("four events to ck_demo", () => {
        const rs = byApp(receiver.receipts, "ck_demo").filter(
          (r) => r.body?.content && JSON.parse(r.body.content).shop_order_id === signed.built.shopOrderId,
        );
        return rs.length >= 4 ? rs : null;
      });
      expect(demo.map((r) => r.body.event_id)).toEqual(ids);
      expect(demo.map((r) => r.body.event)).toEqual([
        "ttls.fulfill.redeem.result",
        "ttls.fulfill.redeem.result",
        "ttls.fulfill.redeem_cancel.result",
        "ttls.fulfill.after_sale.result",
      ]);
      expect(demo.every((r) => r.signatureValid)).toBe(true);
      expect(demo[2]?.content).toMatchObject({
        shop_order_id: signed.built.shopOrderId,
        redeem_id: redeemId,
        item_ids: [signed.built.itemIds[1]],
        codes: [signed.built.codes[1]],
        cancel_time: NOW,
      });
      const afterSale = demo[3]?.content;
      expect(afterSale).toMatchObject({
        after_sale_event_type: "AFTER_SALE_CREATE_SUCCESS",
        shop_order_id: signed.built.shopOrderId,
        item_ids: [signed.built.itemIds[1]],
        apply_source: 2,
        user_id: "6900000000000000001",
      });
      expect(afterSale.after_sale_order_id).toMatch(/^\d+$/);
      const keys = new Set(receiver.receipts.map((r) => r.body?.client_key));
      expect(keys.has("ck_revoked")).toBe(false);
      expect(keys.has("ck_nohook")).toBe(false);
      expect(keys.has("ck_elsewhere")).toBe(false);
      const rows = await t.system.database.db
        .selectFrom("webhook_deliveries")
        .select(["app_id", "state"])
        .where("shop_order_id", "=", signed.built.shopOrderId)
        .execute();
      expect(rows).toHaveLength(8);
    });

    it("with the receiver down for a while, all 20 events arrive once it is back: none lost, each with its own event id, in order per shop order", async () => {
      await receiver.stop();
      const before = receiver.receipts.length;
      for (let i = 0; i < 5; i++) for (const o of outage) await redeemOne(t, o.built, i);
      const ids = (await Promise.all(outage.map((o) => eventIdsOf(t, o.built.shopOrderId)))).flat();
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
      // The relay keeps trying meanwhile.
      await waitFor(
        "failed attempts while down",
        async () => {
          const r = await t.system.database.db
            .selectFrom("webhook_deliveries")
            .select((eb) => eb.fn.countAll<string>().as("n"))
            .where("event_id", "in", ids)
            .where("attempts", ">=", 2)
            .where("state", "=", "pending")
            .executeTakeFirst();
          return Number(r?.n) >= 8;
        },
        30_000,
      );
      expect(receiver.receipts.length).toBe(before);
      await receiver.start();
      await waitFor(
        "all 20 events to both apps",
        () => {
          const d = receiver.delivered();
          return ids.every(
            (id) =>
              d.get(id)?.some((r) => r.body.client_key === "ck_demo") &&
              d.get(id)?.some((r) => r.body.client_key === "ck_second"),
          );
        },
        20_000,
      );
      const recent = receiver.receipts.slice(before);
      expect(recent.every((r) => r.signatureValid)).toBe(true);
      for (const ck of ["ck_demo", "ck_second"]) {
        const outageOrders = new Set(outage.map((o) => o.built.shopOrderId));
        // (Deliveries of the previous test that were still under way when the receiver went down arrive too.)
        const got = byApp(recent, ck).filter(
          (r) => r.status === 200 && outageOrders.has(r.content?.shop_order_id),
        );
        expect(new Set(got.map((r) => r.body.event_id))).toEqual(new Set(ids));
        for (const o of outage) {
          const seen = got
            .filter((r) => r.content.shop_order_id === o.built.shopOrderId)
            .map((r) => r.body.event_id as string);
          const firstSeen = seen.filter((id, i) => seen.indexOf(id) === i);
          expect(firstSeen, `order of ${o.built.shopOrderId} to ${ck}`).toEqual(
            await eventIdsOf(t, o.built.shopOrderId),
          );
        }
      }
      await waitFor("every delivery recorded as delivered", async () => {
        const states = await t.system.database.db
          .selectFrom("webhook_deliveries")
          .select("state")
          .where("event_id", "in", ids)
          .execute();
        return states.length === 40 && states.every((s) => s.state === "delivered");
      });
    });

    it("a later event of a shop order waits while an earlier one is retried; other orders are not held up", async () => {
      const first = ordered.built.codes[0] as string;
      const before = receiver.receipts.length;
      let bystanderDelivered = false;
      let failures = 0;
      // ck_demo fails the order's first event at least 3 times, and until the other order's event got through.
      receiver.answer = (body, r) => {
        if (body?.client_key !== "ck_demo") return 200;
        if (codesOf(r as Receipt).includes(bystander.built.codes[0] as string)) bystanderDelivered = true;
        if (codesOf(r as Receipt).includes(first) && (failures < 3 || !bystanderDelivered)) {
          failures += 1;
          return 500;
        }
        return 200;
      };
      try {
        for (let i = 0; i < 3; i++) await redeemOne(t, ordered.built, i);
        await redeemOne(t, bystander.built, 0);
        const ids = await eventIdsOf(t, ordered.built.shopOrderId);
        await waitFor(
          "the three events of the order to ck_demo",
          () =>
            ids.every((id) =>
              receiver
                .delivered()
                .get(id)
                ?.some((r) => r.body.client_key === "ck_demo"),
            ),
          30_000,
        );
        const demo = byApp(receiver.receipts.slice(before), "ck_demo").filter((r) =>
          ids.includes(r.body.event_id),
        );
        expect(failures).toBeGreaterThanOrEqual(3);
        expect(bystanderDelivered).toBe(true);
        // Every attempt of the first event, failed or not, comes before anything of the second.
        expect(demo.map((r) => [r.body.event_id, r.status])).toEqual([
          ...Array.from({ length: failures }, () => [ids[0], 500]),
          [ids[0], 200],
          [ids[1], 200],
          [ids[2], 200],
        ]);
        // The other app was not held up by ck_demo's failures.
        const second = receiver.receipts.filter(
          (r) => r.body?.client_key === "ck_second" && ids.includes(r.body.event_id),
        );
        expect(second.map((r) => r.body.event_id)).toEqual(ids);
        retriedAttempts = failures + 1;
      } finally {
        receiver.answer = () => 200;
      }
    });

    it("the events support route shows an order's events and their deliveries", async () => {
      const res = await t.operator("GET", `/platform/events?shop_order_id=${ordered.built.shopOrderId}`);
      expect(res.status).toBe(200);
      const events = res.json.data.events as {
        event_id: string;
        event: string;
        deliveries: { client_key: string; state: string; attempts: number }[];
      }[];
      expect(events.map((e) => e.event_id)).toEqual(await eventIdsOf(t, ordered.built.shopOrderId));
      const firstDemo = events[0]?.deliveries.find((d) => d.client_key === "ck_demo");
      expect(firstDemo).toMatchObject({ state: "DELIVERED", attempts: retriedAttempts });
      expect((await t.request(`/platform/events?shop_order_id=${ordered.built.shopOrderId}`)).status).toBe(
        401,
      );
      expect((await t.operator("GET", "/platform/events?shop_order_id=abc")).status).toBe(400);
    });

    it("stop() while a delivery is in flight aborts it at once and gives it back untried", async () => {
      receiver.delayMs = 10_000;
      const before = receiver.receipts.length;
      const extra = orderOf(1);
      expect((await t.world({ orders: [extra.order] })).status).toBe(200);
      await redeemOne(t, extra.built, 0);
      const [eventId] = await eventIdsOf(t, extra.built.shopOrderId);
      await waitFor(
        "both requests at the receiver",
        () => receiver.receipts.slice(before).filter((r) => r.body?.event_id === eventId).length === 2,
      );
      const started = Date.now();
      await t.server.close();
      serverClosed = true;
      expect(Date.now() - started).toBeLessThan(1500);
      const rows = await t.system.database.db
        .selectFrom("webhook_deliveries")
        .select(["state", "attempts", "lease_owner", "lease_until"])
        .where("event_id", "=", eventId as string)
        .execute();
      expect(rows.length).toBe(2);
      for (const r of rows)
        expect(r).toMatchObject({ state: "pending", attempts: 0, lease_owner: null, lease_until: null });
      receiver.delayMs = 0;
    });
  });

  describe(`dead letters and replay on ${database.name}`, () => {
    const receiver = new Receiver(SECRETS);
    let t: TestServer;
    const doomed = orderOf(2);

    beforeAll(async () => {
      await receiver.start();
      t = await startTestServer(database, fastDelivery({ webhookGiveUpMs: 1000, webhookMaxMs: 100 }));
      const world = webhookWorld(receiver, [doomed]);
      world.apps = world.apps?.filter((a) => a.client_key !== "ck_second");
      const merchant = world.merchants?.[0];
      if (merchant) merchant.grants = merchant.grants?.filter((g) => g.client_key !== "ck_second");
      expect((await t.world(world)).status).toBe(200);
      t.system.clock.freeze(NOW);
    });
    afterAll(async () => {
      await t?.close();
      await receiver.stop();
    });

    it("a receiver answering 500 forever dead-letters the event; the next event of the order then goes; replay delivers the dead one with its original create_time", async () => {
      const first = doomed.built.codes[0] as string;
      let healed = false;
      receiver.answer = (body, r) =>
        body?.client_key === "ck_demo" && codesOf(r as Receipt).includes(first) && !healed ? 500 : 200;

      await redeemOne(t, doomed.built, 0);
      await redeemOne(t, doomed.built, 1);
      const [deadId, nextId] = await eventIdsOf(t, doomed.built.shopOrderId);

      const dead = await waitFor(
        "the dead letter",
        async () => {
          const res = await t.operator("GET", "/platform/webhooks/dead-letters?client_key=ck_demo");
          return (res.json?.data?.dead_letters as { event_id: string }[] | undefined)?.find(
            (d) => d.event_id === deadId,
          );
        },
        30_000,
      );
      expect(dead).toMatchObject({
        event_id: deadId,
        event: "ttls.fulfill.redeem.result",
        client_key: "ck_demo",
        shop_order_id: doomed.built.shopOrderId,
        merchant_id: MERCHANT,
        create_time: NOW,
        last_status: 500,
        last_error: "HTTP 500",
        replays: 0,
      });
      expect((dead as unknown as { attempts: number }).attempts).toBeGreaterThanOrEqual(2);

      // The dead letter no longer blocks: the second event of the order is delivered.
      const nextOk = await waitFor("the next event of the order", () =>
        receiver
          .delivered()
          .get(nextId as string)
          ?.find((r) => r.body.client_key === "ck_demo"),
      );
      const failedAttempts = byApp(receiver.receipts, "ck_demo").filter((r) => r.body?.event_id === deadId);
      expect(failedAttempts.every((r) => r.status === 500)).toBe(true);
      expect(failedAttempts.every((r) => r.at <= nextOk.at)).toBe(true);
      const originalCreateTime = failedAttempts[0]?.body.create_time;
      expect(originalCreateTime).toBe(NOW);

      // Listing: filters, paging, the operator token.
      expect((await t.request("/platform/webhooks/dead-letters")).status).toBe(401);
      expect(
        (await t.operator("GET", "/platform/webhooks/dead-letters?client_key=ck_nobody")).json.data
          .dead_letters,
      ).toEqual([]);
      const page = await t.operator(
        "GET",
        `/platform/webhooks/dead-letters?shop_order_id=${doomed.built.shopOrderId}&limit=1`,
      );
      expect(page.status).toBe(200);
      expect(page.json.data.dead_letters).toHaveLength(1);
      expect(page.json.data).toMatchObject({ has_more: false, cursor: null });
      for (const query of ["limit=0", "cursor=abc", "cursor=1"]) {
        const refused = await t.operator("GET", `/platform/webhooks/dead-letters?${query}`);
        expect({ query, status: refused.status, code: refused.json.error.code }).toEqual({
          query,
          status: 400,
          code: "invalid_params",
        });
      }

      // Replay once the receiver answers again, later on the business clock: the original create_time stays.
      healed = true;
      t.system.clock.freeze(NOW + 3600);
      expect(
        (await t.request(`/platform/webhooks/dead-letters/${deadId}/replay`, { method: "POST" })).status,
      ).toBe(401);
      const replay = await t.operator(
        "POST",
        `/platform/webhooks/dead-letters/${deadId}/replay?client_key=ck_demo`,
      );
      expect(replay.status).toBe(200);
      expect(replay.json.data).toEqual({ event_id: deadId, replayed: ["ck_demo"] });
      const replayed = await waitFor("the replayed event", () =>
        receiver
          .delivered()
          .get(deadId as string)
          ?.find((r) => r.body.client_key === "ck_demo"),
      );
      expect(replayed.signatureValid).toBe(true);
      expect(replayed.body.create_time).toBe(originalCreateTime);
      expect(replayed.body.event_id).toBe(deadId);
      expect(replayed.raw).toBe(failedAttempts[0]?.raw);

      const after = await t.operator("GET", "/platform/webhooks/dead-letters");
      expect(
        after.json.data.dead_letters.find((d: { event_id: string }) => d.event_id === deadId),
      ).toBeUndefined();
      expect((await t.operator("POST", `/platform/webhooks/dead-letters/${deadId}/replay`)).status).toBe(404);
      expect((await t.operator("POST", "/platform/webhooks/dead-letters/123456789/replay")).status).toBe(404);
      const view = await t.operator("GET", `/platform/events?shop_order_id=${doomed.built.shopOrderId}`);
      expect(
        view.json.data.events[0].deliveries.find((d: { client_key: string }) => d.client_key === "ck_demo"),
      ).toMatchObject({ client_key: "ck_demo", state: "DELIVERED", replays: 1, attempts: 1 });
      receiver.answer = () => 200;
    });
  });
}
