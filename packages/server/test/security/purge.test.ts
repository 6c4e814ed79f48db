/**
 * The housekeeping sweep (issue 13, item 7): access and refresh tokens past expiry on the
 * business clock, used pairing codes and idempotency rows past 24 h (real clock) are deleted by
 * one sweep; what is still live stays.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/security/secret-box.js";
import { AlertStore } from "../../src/store/alert-store.js";
import { testDatabases } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../support/world.js";

const P = "7200000000000000701";
const HOUR = 3600;

for (const database of testDatabases()) {
  describe(`the housekeeping sweep on ${database.name}`, () => {
    let t: TestServer;
    let realOffsetMs = 0;
    const o = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });

    beforeAll(async () => {
      t = await startTestServer(database, {}, { realClock: { nowMs: () => Date.now() + realOffsetMs } });
      const world = baseWorld();
      world.products = [product(P)];
      world.orders = [o.order];
      expect((await t.world(world)).status).toBe(200);
      await t.clock(NOW);
    });
    afterAll(async () => t?.close());

    const db = () => t.system.database.db;
    async function tokenRows(hashes: string[]): Promise<number> {
      const r = await sql<{
        n: string;
      }>`SELECT count(*) AS n FROM oauth_tokens WHERE token_hash IN (${sql.join(hashes)})`.execute(db());
      return Number(r.rows[0]?.n);
    }
    async function count(
      table: "pos_pairing_codes" | "idempotency_keys" | "operator_alerts",
    ): Promise<number> {
      const r = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db());
      return Number(r.rows[0]?.n);
    }
    async function tokenPair(): Promise<{ access: string; refresh: string }> {
      const res = await t.request("/merchant/oauth/token/", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          client_key: "ck_demo",
          client_secret: "cs_demo",
          merchant_id: MERCHANT,
          grant_type: "access_token",
        }).toString(),
      });
      expect(res.status, res.text).toBe(200);
      return { access: res.json.access_token, refresh: res.json.refresh_token };
    }

    it("deletes expired tokens, used pairing codes and old idempotency rows in one sweep", async () => {
      const old = await tokenPair(); // access expires at NOW + 120 h, refresh at NOW + 365 d
      const redeem = await t.redeem(
        old.access,
        {
          merchant_id: MERCHANT,
          third_shop_id: SHOP_1,
          shop_order_id: o.built.shopOrderId,
          code_list: o.built.codes,
          locale: "en-US",
        },
        "purge-key-1",
      );
      expect(redeem.status, redeem.text).toBe(200);
      expect(await count("idempotency_keys")).toBe(1);

      // 121 business hours and 25 real hours later: the old access token is past expiry, its
      // refresh token is not; a token pair taken now is live.
      await t.clock(NOW + 121 * HOUR);
      realOffsetMs = 25 * HOUR * 1000;
      const fresh = await tokenPair();
      // One device paired now (its code used, not expired), one still waiting with a live code.
      const paired = await t.operator("POST", `/platform/merchants/${MERCHANT}/devices`, {
        third_shop_id: SHOP_1,
      });
      expect(paired.status, paired.text).toBe(200);
      const pairing = await t.postJson("/pos/api/pair", { code: paired.json.data.pairing_code });
      expect(pairing.status, pairing.text).toBe(200);
      const waiting = await t.operator("POST", `/platform/merchants/${MERCHANT}/devices`, {
        third_shop_id: SHOP_1,
      });
      expect(waiting.status, waiting.text).toBe(200);
      expect(await count("pos_pairing_codes")).toBe(2);
      const oldAccess = hashToken(old.access);
      expect(await tokenRows([oldAccess])).toBe(1);

      // Operator alerts live as long as the request log they point into (30 days here).
      const alert = (atMs: number) => ({
        type: "code_enumeration" as const,
        atMs,
        budget: "app" as const,
        appId: "1",
        merchantId: MERCHANT,
        deviceId: null,
        misses: 301,
        windowSeconds: 60,
      });
      const alerts = new AlertStore(db());
      const realNow = t.system.realClock.nowMs();
      await alerts.insert(alert(realNow - 31 * 24 * HOUR * 1000));
      await alerts.insert(alert(realNow - 1000));

      const swept = await t.server.sweep();

      expect(await tokenRows([oldAccess])).toBe(0);
      expect(
        await tokenRows([hashToken(old.refresh), hashToken(fresh.access), hashToken(fresh.refresh)]),
      ).toBe(3);
      // The used code is gone, the waiting device's live code stays.
      expect(await count("pos_pairing_codes")).toBe(1);
      expect(await count("idempotency_keys")).toBe(0);
      expect(swept.tokens).toBeGreaterThanOrEqual(1);
      expect(swept.idempotencyKeys).toBe(1);
      expect(swept.pairingCodes).toBe(1);
      expect(swept.alerts).toBe(1);
      expect(await count("operator_alerts")).toBe(1);
      // The paired device's own token is live and stays usable.
      const session = await t.request("/pos/api/session", {
        headers: { authorization: `Bearer ${pairing.json.data.access_token}` },
      });
      expect(session.status, session.text).toBe(200);
    });
  });
}
