/**
 * The operator's Webhooks and Alerts reads over real HTTP, on every test database (issue 17):
 * deliveries by outcome (a real receiver that fails for one app, so its deliveries retry, then
 * dead-letter), each app's target and last kept error, replay of every dead letter at once, and
 * cursor paging of all three, of the dead letters and of /platform/alerts (each cursor null on
 * the last page, as every operator list answers); operator auth and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorldT } from "../../src/sandbox/world-schema.js";
import { redeem } from "../support/core-harness.js";
import { testDatabases } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, NOW, order, product } from "../support/world.js";
import { fastDelivery, Receiver, waitFor } from "./support.js";

const P = "7200000000000001901";
const SECRETS: Record<string, string> = {
  ck_demo: "cs_demo",
  ck_second: "cs_second_app_secret_0001",
  ck_nohook: "cs_nohook_app_secret_00001",
};
const SCOPES = ["localservice.fulfill.query", "localservice.fulfill.redeem"];

function reportWorld(receiver: Receiver, orders: ReturnType<typeof order>[]): WorldT {
  const world = baseWorld();
  world.apps = [
    {
      client_key: "ck_demo",
      client_secret: SECRETS.ck_demo as string,
      name: "Demo POS",
      // A receiver's own secret in the query: never shown by the console.
      webhook_url: `${receiver.url}/hook/ck_demo?token=receiver-secret`,
    },
    {
      client_key: "ck_second",
      client_secret: SECRETS.ck_second as string,
      name: "Second",
      webhook_url: `${receiver.url}/hook/ck_second`,
    },
    {
      client_key: "ck_nohook",
      client_secret: SECRETS.ck_nohook as string,
      name: "No hook",
      webhook_url: null,
    },
  ];
  const main = world.merchants?.[0];
  if (!main) throw new Error("base world changed");
  main.grants = ["ck_demo", "ck_second", "ck_nohook"].map((client_key) => ({
    client_key,
    scopes: SCOPES,
    third_shop_ids: [],
  }));
  world.products = [product(P, { valid_to: NOW + 300 * 86400 })];
  world.orders = orders.map((o) => o.order);
  return world;
}

interface Delivery {
  event_id: string;
  app_id: string;
  client_key: string;
  outcome: string;
  attempts: number;
  replays: number;
  last_status: number | null;
  last_error: string | null;
  dead_time: number | null;
  delivered_time: number | null;
}

for (const database of testDatabases()) {
  describe(`webhook reports on ${database.name}`, () => {
    const receiver = new Receiver(SECRETS);
    let t: TestServer;
    const orders = Array.from({ length: 3 }, () =>
      order({ productId: P, items: [{ status: "WAIT_FULFILL" }] }),
    );
    let healed = false;
    const eventIds: string[] = [];

    const deliveries = async (query: string) => {
      const res = await t.operator("GET", `/platform/webhooks/deliveries?${query}`);
      expect(res.status, res.text).toBe(200);
      return res.json.data as {
        counts: Record<string, number>;
        deliveries: Delivery[];
        has_more: boolean;
        cursor: string | null;
      };
    };
    /** Every page of `query`, following the cursors with `limit`; the last page's cursor is null. */
    const allPages = async (path: string, query: string, limit: number, key: string) => {
      const pages: unknown[][] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 20; i++) {
        const res = await t.operator(
          "GET",
          `${path}?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`,
        );
        expect(res.status, res.text).toBe(200);
        pages.push(res.json.data[key]);
        if (!res.json.data.has_more) {
          expect(res.json.data.cursor).toBeNull();
          return pages;
        }
        expect(res.json.data[key]).toHaveLength(limit);
        cursor = res.json.data.cursor;
        expect(typeof cursor).toBe("string");
      }
      throw new Error("paging did not end");
    };

    beforeAll(async () => {
      await receiver.start();
      receiver.answer = (body) => (body?.client_key === "ck_demo" && !healed ? 500 : 200);
      t = await startTestServer(database, fastDelivery({ webhookGiveUpMs: 1500, webhookMaxMs: 100 }));
      expect((await t.world(reportWorld(receiver, orders))).status).toBe(200);
      t.system.clock.freeze(NOW);
    });
    afterAll(async () => {
      await t?.close();
      await receiver.stop();
    });

    it("counts and lists deliveries by outcome: failed while retrying, then dead; delivered to the app whose receiver answers", async () => {
      for (const o of orders) {
        const r = await redeem(t.system, o.built.shopOrderId, [o.built.codes[0] as string]);
        expect(r.ok).toBe(true);
      }
      t.server.context.events.nudge();
      const failing = await waitFor("a failed delivery, retrying", async () => {
        const page = await deliveries("outcome=failed&client_key=ck_demo");
        return (page.counts.failed ?? 0) > 0 ? page : null;
      });
      expect(failing.deliveries.length).toBeGreaterThan(0);
      expect(failing.deliveries[0]).toMatchObject({
        client_key: "ck_demo",
        outcome: "failed",
        last_status: 500,
      });
      expect(failing.deliveries[0]?.attempts).toBeGreaterThanOrEqual(1);

      const settled = await waitFor("three dead and three delivered", async () => {
        const page = await deliveries("outcome=dead");
        return page.counts.dead === 3 && page.counts.delivered === 3 ? page : null;
      });
      expect(settled.counts).toEqual({ pending: 0, failed: 0, delivered: 3, dead: 3 });
      expect(settled.deliveries.map((d) => d.client_key)).toEqual(["ck_demo", "ck_demo", "ck_demo"]);
      for (const d of settled.deliveries) {
        expect(d).toMatchObject({ outcome: "dead", last_status: 500 });
        expect(d.last_error).toBeTruthy();
        expect(d.dead_time).toBeGreaterThan(0);
      }
      const ids = settled.deliveries.map((d) => d.event_id);
      expect(ids).toEqual([...ids].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1))); // newest first
      eventIds.push(...ids);

      const second = await deliveries("outcome=delivered&client_key=ck_second");
      expect(second.counts).toEqual({ pending: 0, failed: 0, delivered: 3, dead: 0 });
      expect(second.deliveries.map((d) => d.event_id)).toEqual(ids);
      for (const d of second.deliveries) expect(d.delivered_time).toBeGreaterThan(0);
      expect((await deliveries("outcome=delivered&client_key=ck_demo")).deliveries).toEqual([]);
      expect((await deliveries("outcome=pending")).deliveries).toEqual([]);
    });

    it("pages deliveries with the cursor: every delivery once, in order", async () => {
      const pages = (await allPages(
        "/platform/webhooks/deliveries",
        "outcome=dead",
        2,
        "deliveries",
      )) as Delivery[][];
      expect(pages.map((p) => p.length)).toEqual([2, 1]);
      expect(pages.flat().map((d) => d.event_id)).toEqual(eventIds);
      const one = (await allPages(
        "/platform/webhooks/deliveries",
        "outcome=delivered",
        1,
        "deliveries",
      )) as Delivery[][];
      expect(one).toHaveLength(3);
    });

    it("pages the dead letters with the cursor: the same three, newest first, null after the last", async () => {
      const pages = (await allPages(
        "/platform/webhooks/dead-letters",
        "client_key=ck_demo",
        2,
        "dead_letters",
      )) as { event_id: string }[][];
      expect(pages.map((p) => p.length)).toEqual([2, 1]);
      expect(pages.flat().map((d) => d.event_id)).toEqual(eventIds);
    });

    it("each app's target without its query, counts and last error; apps without a hook or deliveries are left out; paged", async () => {
      const res = await t.operator("GET", "/platform/webhooks/apps");
      expect(res.status, res.text).toBe(200);
      const apps = res.json.data.apps as {
        client_key: string;
        webhook_target: string | null;
        counts: Record<string, number>;
        last_error: { event_id: string; status: number | null; error: string; time: number | null } | null;
      }[];
      expect(apps.map((a) => a.client_key).sort()).toEqual(["ck_demo", "ck_second"]);
      const demo = apps.find((a) => a.client_key === "ck_demo");
      expect(demo?.webhook_target).toBe(`${receiver.url}/hook/ck_demo?…`);
      expect(res.text).not.toContain("receiver-secret");
      expect(demo?.counts).toEqual({ pending: 0, failed: 0, delivered: 0, dead: 3 });
      expect(demo?.last_error?.status).toBe(500);
      expect(demo?.last_error?.error).toBeTruthy();
      expect(eventIds).toContain(demo?.last_error?.event_id);
      expect(demo?.last_error?.time).toBeGreaterThan(0);
      const second = apps.find((a) => a.client_key === "ck_second");
      expect(second).toMatchObject({
        webhook_target: `${receiver.url}/hook/ck_second`,
        counts: { pending: 0, failed: 0, delivered: 3, dead: 0 },
        last_error: null,
      });
      const pages = await allPages("/platform/webhooks/apps", "", 1, "apps");
      expect(pages.flat()).toEqual(apps);
    });

    it("refuses without the operator token and on bad input, changing nothing", async () => {
      for (const [method, path] of [
        ["GET", "/platform/webhooks/deliveries?outcome=dead"],
        ["GET", "/platform/webhooks/apps"],
        ["POST", "/platform/webhooks/dead-letters/replay"],
      ] as const) {
        expect((await t.request(path, { method })).status, path).toBe(401);
        expect(
          (await t.request(path, { method, headers: { authorization: "Bearer not-the-operator-token" } }))
            .status,
          path,
        ).toBe(401);
      }
      for (const path of [
        "/platform/webhooks/deliveries",
        "/platform/webhooks/deliveries?outcome=lost",
        "/platform/webhooks/deliveries?outcome=dead&limit=0",
        "/platform/webhooks/deliveries?outcome=dead&cursor=abc",
        "/platform/webhooks/apps?cursor=0",
        "/platform/webhooks/apps?limit=x",
        // Every operator list takes 1 to 100 (docs/platform.md, Paging).
        "/platform/webhooks/deliveries?outcome=dead&limit=101",
        "/platform/webhooks/apps?limit=101",
        "/platform/webhooks/dead-letters?limit=101",
      ]) {
        const res = await t.operator("GET", path);
        expect(res.status, path).toBe(400);
        expect(res.json.error.code, path).toBe("invalid_params");
      }
      const unknown = await t.operator(
        "GET",
        "/platform/webhooks/deliveries?outcome=dead&client_key=ck_nobody",
      );
      expect(unknown.status).toBe(404);
      expect(unknown.json.error.code).toBe("not_found");
      const replayUnknown = await t.operator(
        "POST",
        "/platform/webhooks/dead-letters/replay?client_key=ck_nobody",
      );
      expect(replayUnknown.status).toBe(404);
      expect((await t.operator("POST", "/platform/webhooks/dead-letters/replay?client_key=")).status).toBe(
        400,
      );
      expect((await deliveries("outcome=dead")).counts.dead).toBe(3);
    });

    it("replays every dead letter of an app at once, answering how many; they are delivered", async () => {
      const none = await t.operator("POST", "/platform/webhooks/dead-letters/replay?client_key=ck_second");
      expect(none.status, none.text).toBe(200);
      expect(none.json.data).toEqual({ replayed: 0 });
      expect((await deliveries("outcome=dead")).counts.dead).toBe(3);

      healed = true;
      const replay = await t.operator("POST", "/platform/webhooks/dead-letters/replay?client_key=ck_demo");
      expect(replay.status, replay.text).toBe(200);
      expect(replay.json.data).toEqual({ replayed: 3 });
      await waitFor("the replayed events at the receiver", () => {
        const got = receiver.delivered();
        return eventIds.every((id) =>
          got.get(id)?.some((r) => r.body?.client_key === "ck_demo" && r.signatureValid),
        );
      });
      const after = await waitFor("no dead letter left", async () => {
        const page = await deliveries("outcome=delivered&client_key=ck_demo");
        return page.counts.delivered === 3 ? page : null;
      });
      expect(after.counts).toEqual({ pending: 0, failed: 0, delivered: 3, dead: 0 });
      for (const d of after.deliveries) expect(d).toMatchObject({ replays: 1, last_error: null });
      const again = await t.operator("POST", "/platform/webhooks/dead-letters/replay");
      expect(again.json.data).toEqual({ replayed: 0 });
    });
  });

  describe(`alert paging on ${database.name}`, () => {
    let t: TestServer;
    const base = Date.UTC(2026, 11, 2, 10, 0, 0);

    beforeAll(async () => {
      t = await startTestServer(database);
      // Five alerts, two of them in the same millisecond (their ids order them).
      for (const [i, atMs] of [base, base + 1000, base + 1000, base + 2000, base + 3000].entries())
        await t.system.alerts.insert({
          type: "code_enumeration",
          atMs,
          budget: "app",
          appId: String(8000000000000000001n + BigInt(i)),
          merchantId: MERCHANT,
          deviceId: null,
          misses: 100 + i,
          windowSeconds: 60,
        });
    });
    afterAll(async () => t?.close());

    it("answers every alert without a cursor (as before), and the same alerts page by page", async () => {
      const all = await t.operator("GET", "/platform/alerts");
      expect(all.status, all.text).toBe(200);
      expect(all.json.data.has_more).toBe(false);
      expect(all.json.data.cursor).toBeNull();
      const alerts = all.json.data.alerts as { alert_id: string; misses: number; at: number }[];
      expect(alerts.map((a) => a.misses)).toEqual([104, 103, 102, 101, 100]);
      expect(new Set(alerts.map((a) => a.alert_id)).size).toBe(5);

      const seen: unknown[] = [];
      let cursor: string | null = null;
      const sizes: number[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await t.operator("GET", `/platform/alerts?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
        expect(res.status, res.text).toBe(200);
        sizes.push(res.json.data.alerts.length);
        seen.push(...res.json.data.alerts);
        cursor = res.json.data.cursor;
        expect(cursor === null, `page ${i}`).toBe(!res.json.data.has_more);
        if (!res.json.data.has_more) break;
      }
      expect(sizes).toEqual([2, 2, 1]);
      expect(seen).toEqual(alerts);
    });

    it("refuses a bad limit or cursor, and callers without the operator token", async () => {
      for (const q of ["limit=0", "limit=1001", "limit=two", "cursor=1", "cursor=x.y", "cursor=1.0"]) {
        const res = await t.operator("GET", `/platform/alerts?${q}`);
        expect(res.status, q).toBe(400);
        expect(res.json.error.code, q).toBe("invalid_params");
      }
      expect((await t.request("/platform/alerts?limit=2")).status).toBe(401);
      expect((await t.operator("GET", "/platform/alerts?limit=1000")).status).toBe(200);
    });
  });
}
