/**
 * Migration 5's backfill, on every test database: events still waiting for fan-out when the
 * `recipients` column arrives get the recipients of that moment, by the same rule as new events
 * (redeem and cancel: the event's shop; after-sale: a shop of its items' snapshots). Events
 * already fanned out keep none (their deliveries exist).
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorldT } from "../../src/sandbox/world-schema.js";
import { EVENT_MIGRATIONS } from "../../src/store/migrations-events.js";
import type { System } from "../../src/system.js";
import { load } from "../support/core-harness.js";
import { testDatabases } from "../support/databases.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1, SHOP_2 } from "../support/world.js";

const P = "7200000000000000951";
const SCOPES = ["localservice.fulfill.query", "localservice.fulfill.redeem"];
const APPS = ["ck_all", "ck_s1", "ck_s2", "ck_unrelated"];

const backfill = EVENT_MIGRATIONS.find((m) => m.id === 5)?.statements.find((s) =>
  s.startsWith("UPDATE outbox"),
);

for (const database of testDatabases()) {
  describe(`the recipients backfill of migration 5 on ${database.name}`, () => {
    let system: System;
    const o = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
    beforeAll(async () => {
      system = await database.open();
      const world: WorldT = baseWorld();
      world.apps = APPS.map((ck) => ({
        client_key: ck,
        client_secret: `cs_${ck}_migration_secret_00001`,
        name: ck,
        webhook_url: `http://127.0.0.1:9/${ck}`,
      }));
      const [main] = world.merchants ?? [];
      if (!main) throw new Error("base world changed");
      main.grants = [
        { client_key: "ck_all", scopes: SCOPES, third_shop_ids: [] },
        { client_key: "ck_s1", scopes: SCOPES, third_shop_ids: [SHOP_1] },
        { client_key: "ck_s2", scopes: SCOPES, third_shop_ids: [SHOP_2] },
        { client_key: "ck_unrelated", scopes: ["user.info.basic"], third_shop_ids: [] },
      ];
      world.products = [product(P, { applicable_third_shop_ids: [SHOP_2], valid_to: NOW + 300 * 86400 })];
      world.orders = [o.order];
      await load(system, world);
    });
    afterAll(async () => system?.close());

    it("gives each waiting event the apps covering its shop, and none to an event already fanned out", async () => {
      expect(backfill).toBeDefined();
      const db = system.database.db;
      const row = (
        event_id: string,
        event_type: string,
        content: Record<string, unknown>,
        delivered: boolean,
      ) => ({
        event_id,
        event_type,
        shop_order_id: o.built.shopOrderId,
        merchant_id: MERCHANT,
        app_id: null,
        user_id: "6900000000000000001",
        create_time: NOW,
        content: JSON.stringify(content),
        delivered_at: delivered ? 1 : null,
      });
      await db
        .insertInto("outbox")
        .values([
          row("9100000000000000001", "ttls.fulfill.redeem.result", { third_shop_id: SHOP_1 }, false),
          row("9100000000000000002", "ttls.fulfill.redeem_cancel.result", { third_shop_id: SHOP_2 }, false),
          row("9100000000000000003", "ttls.fulfill.after_sale.result", { item_ids: o.built.itemIds }, false),
          row("9100000000000000004", "ttls.fulfill.redeem.result", { third_shop_id: SHOP_1 }, true),
        ])
        .execute();
      await sql.raw(backfill as string).execute(db);
      const got = await db
        .selectFrom("outbox as o")
        .select(["o.event_id", "o.recipients"])
        .where("o.event_id", ">=", "9100000000000000001")
        .orderBy("o.event_id")
        .execute();
      const apps = await db.selectFrom("apps").select(["app_id", "client_key"]).execute();
      const name = new Map(apps.map((a) => [String(a.app_id), a.client_key]));
      expect(got.map((g) => [g.event_id, g.recipients.map((id) => name.get(String(id))).sort()])).toEqual([
        ["9100000000000000001", ["ck_all", "ck_s1"]],
        ["9100000000000000002", ["ck_all", "ck_s2"]],
        ["9100000000000000003", ["ck_all", "ck_s2"]],
        ["9100000000000000004", []],
      ]);
    });
  });
}
