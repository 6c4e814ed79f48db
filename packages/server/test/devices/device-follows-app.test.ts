/**
 * A POS device paired on behalf of an app never holds more than that app's current grant
 * (CONTRACT.md section 2): narrowing the app's shops or scopes, or revoking its grant, narrows or
 * revokes the device within 1 s (a removed shop answers G2/R2, a removed scope G4/R2b, a revoked
 * grant 401), on the SaaS endpoints and the POS session alike. The grant is changed through the
 * platform API, and once behind the server's back (as another process would), where only the
 * 1 s grant cache bounds the delay.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { type HttpAnswer, startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1, SHOP_2 } from "../support/world.js";

const P = "7200000000000001101";
const SESSION = "/pos/api/session";
const RECORDS = "/v2/localservice/saas/fulfill/query_redeem_record/";
const QUERY_SCOPE = "localservice.fulfill.query";
const REDEEM_SCOPE = "localservice.fulfill.redeem";
const PARENT = "ck_counter_app";

for (const database of testDatabases()) {
  describe(`a device follows its app's grant on ${database.name}`, () => {
    let t: TestServer;
    const o = order({
      productId: P,
      items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }],
    });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    beforeAll(async () => {
      t = await startTestServer(database);
      const world = baseWorld();
      world.apps?.push({
        client_key: PARENT,
        client_secret: "cs_counter_app_secret",
        name: "Counter app",
        webhook_url: null,
      });
      world.merchants?.[0]?.grants?.push({
        client_key: PARENT,
        scopes: [QUERY_SCOPE, REDEEM_SCOPE],
        third_shop_ids: [],
      });
      world.products = [product(P, { applicable_third_shop_ids: [SHOP_1, SHOP_2] })];
      world.orders = [o.order];
      expect((await t.world(world)).status).toBe(200);
      await t.clock(NOW);
    });
    afterAll(async () => t?.close());

    async function pairedDevice(): Promise<string> {
      return (await pairedDeviceWithId()).token;
    }
    async function pairedDeviceWithId(): Promise<{ token: string; deviceId: string }> {
      const created = await t.operator("POST", `/platform/merchants/${MERCHANT}/devices`, {
        third_shop_id: SHOP_1,
        client_key: PARENT,
      });
      expect(created.status, created.text).toBe(200);
      const paired = await t.postJson("/pos/api/pair", { code: created.json.data.pairing_code });
      expect(paired.status, paired.text).toBe(200);
      return {
        token: paired.json.data.access_token as string,
        deviceId: created.json.data.device_id as string,
      };
    }
    const setParent = async (scopes: string[], shops: string[]) => {
      const r = await t.operator("PUT", `/platform/merchants/${MERCHANT}/grants/${PARENT}`, {
        scopes,
        third_shop_ids: shops,
      });
      expect(r.status, r.text).toBe(200);
    };
    const lookup = (token: string, code = o.built.codes[0]) =>
      t.query(token, { merchant_id: MERCHANT, third_shop_id: SHOP_1, code_list: [code] });
    const redeem = (token: string, code: string) =>
      t.redeem(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: o.built.shopOrderId,
        code_list: [code],
        locale: "en-US",
      });
    const records = (token: string) =>
      t.postJson(
        RECORDS,
        { merchant_id: MERCHANT, start_time: 0, end_time: NOW + 3600, cursor: "0", size: 50 },
        bearer(token),
      );
    const session = (token: string) => t.request(SESSION, { headers: bearer(token) });
    /** A catalogue row by its message, anything else by its code ("0" on success). */
    const message = (a: HttpAnswer) =>
      `${a.status} ${a.status === 500 ? a.json?.error?.message : a.json?.error?.code}`;

    /** Asks until the answer is the expected one, for at most 3 s (the grant cache lives 1 s). */
    async function eventually(ask: () => Promise<HttpAnswer>, expected: string): Promise<void> {
      const until = Date.now() + 3_000;
      let last = await ask();
      while (message(last) !== expected && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        last = await ask();
      }
      expect(message(last)).toBe(expected);
    }

    it("a shop the app no longer covers answers G2 and R2, and its records are no longer listed", async () => {
      const token = await pairedDevice();
      expect(message(await lookup(token))).toBe("200 0");
      const redeemed = await redeem(token, o.built.codes[0] as string);
      expect(redeemed.status, redeemed.text).toBe(200);
      expect((await records(token)).json.data.records.length).toBe(1);

      await setParent([QUERY_SCOPE, REDEEM_SCOPE], [SHOP_2]);
      try {
        await eventually(() => lookup(token), "500 FulfillVerifierNoShopPermission");
        expect(message(await redeem(token, o.built.codes[1] as string))).toBe(
          "500 FulfillVerifierNoShopPermission",
        );
        const listed = await records(token);
        expect(listed.status, listed.text).toBe(200);
        expect(listed.json.data.records).toEqual([]);
      } finally {
        await setParent([QUERY_SCOPE, REDEEM_SCOPE], []);
      }
      await eventually(() => lookup(token), "200 0");
    });

    it("a scope the app lost answers G4 or R2b, and the session says it cannot redeem", async () => {
      const token = await pairedDevice();
      expect((await session(token)).json.data.can_redeem).toBe(true);

      await setParent([QUERY_SCOPE], [SHOP_1]);
      try {
        await eventually(
          () => redeem(token, o.built.codes[1] as string),
          "500 FulfillVerifierNoRedeemPermission",
        );
        expect(message(await lookup(token))).toBe("200 0");
        const s = await session(token);
        expect(s.status, s.text).toBe(200);
        expect(s.json.data.can_redeem).toBe(false);

        await setParent([REDEEM_SCOPE], []);
        await eventually(() => lookup(token), "500 FulfillVerifierNoScanPermission");
      } finally {
        await setParent([QUERY_SCOPE, REDEEM_SCOPE], []);
      }
      await eventually(() => lookup(token), "200 0");
    });

    it("changed behind the server's back (another process), the narrowing still arrives within the cache's 1 s", async () => {
      const token = await pairedDevice();
      expect(message(await lookup(token))).toBe("200 0");
      // A write that does not clear this process's caches, as a write by another process.
      await sql`UPDATE grants SET scopes = ${[REDEEM_SCOPE]}::text[]
        WHERE merchant_id = ${MERCHANT}::bigint
          AND app_id = (SELECT app_id FROM apps WHERE client_key = ${PARENT})`.execute(t.system.database.db);
      try {
        await eventually(() => lookup(token), "500 FulfillVerifierNoScanPermission");
      } finally {
        await setParent([QUERY_SCOPE, REDEEM_SCOPE], []);
      }
    });

    it("a device's own grant rewritten to every shop still acts for its one shop only", async () => {
      const { token, deviceId } = await pairedDeviceWithId();
      const widened = await t.operator("PUT", `/platform/merchants/${MERCHANT}/grants/dev_${deviceId}`, {
        scopes: [QUERY_SCOPE, REDEEM_SCOPE],
        third_shop_ids: [],
      });
      expect(widened.status, widened.text).toBe(200);
      const atShop2 = () =>
        t.query(token, { merchant_id: MERCHANT, third_shop_id: SHOP_2, code_list: [o.built.codes[2]] });
      // Poll past the grant cache: the widened row must never open S-002.
      const until = Date.now() + 1_500;
      while (Date.now() < until) {
        expect(message(await atShop2())).toBe("500 FulfillVerifierNoShopPermission");
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(message(await lookup(token, o.built.codes[2]))).toBe("200 0");
    });

    it("revoking the app's grant revokes the device: 401 on the SaaS endpoints and the session", async () => {
      const token = await pairedDevice();
      expect((await session(token)).status).toBe(200);
      const revoked = await t.operator("DELETE", `/platform/merchants/${MERCHANT}/grants/${PARENT}`);
      expect(revoked.status, revoked.text).toBe(200);
      await eventually(() => lookup(token), "401 access_token_invalid");
      expect(message(await redeem(token, o.built.codes[2] as string))).toBe("401 access_token_invalid");
      expect(message(await records(token))).toBe("401 access_token_invalid");
      expect((await session(token)).status).toBe(401);
    });
  });
}
