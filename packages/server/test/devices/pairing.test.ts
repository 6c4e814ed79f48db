/**
 * POS device pairing over HTTP (issue 6): the operator creates a one-time code for one shop;
 * the POS exchanges it once for a token that acts only at that shop; revoking the device stops
 * the token at once. Plus the POS's static serving: security headers, or a 503 when not built.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPosStatic } from "../../src/http/pos-static.js";
import { testDatabases } from "../support/databases.js";
import { QUERY, REDEEM, startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1, SHOP_2 } from "../support/world.js";

const P = "7200000000000000601";
const SESSION = "/pos/api/session";
const RECORDS = "/v2/localservice/saas/fulfill/query_redeem_record/";

for (const database of testDatabases()) {
  describe(`device pairing on ${database.name}`, () => {
    let t: TestServer;
    const o1 = order({ productId: P, items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }] });

    beforeAll(async () => {
      // The default allowance of failed pairing attempts (the last test exhausts it).
      t = await startTestServer(database, { authFailuresPerMinute: 10 });
      const world = baseWorld();
      world.apps?.push({
        client_key: "ck_shop2",
        client_secret: "cs_shop2_secret",
        name: "Shop 2 POS",
        webhook_url: null,
      });
      world.merchants?.[0]?.grants?.push({
        client_key: "ck_shop2",
        scopes: ["localservice.fulfill.query"],
        third_shop_ids: [SHOP_2],
      });
      world.products = [product(P, { applicable_third_shop_ids: [SHOP_1, SHOP_2] })];
      world.orders = [o1.order];
      expect((await t.world(world)).status).toBe(200);
      await t.clock(NOW);
    });
    afterAll(async () => {
      await t?.close();
    });

    async function newDevice(body: Record<string, unknown> = { third_shop_id: SHOP_1 }) {
      const r = await t.operator("POST", `/platform/merchants/${MERCHANT}/devices`, body);
      expect(r.status, r.text).toBe(200);
      return r.json.data as {
        device_id: string;
        pairing_code: string;
        pairing_code_expires_at: number;
        status: string;
      };
    }
    const pair = (code: string) => t.postJson("/pos/api/pair", { code });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    it("creates a one-time code for one shop, exchanged once for a token that acts at that shop only", async () => {
      const d = await newDevice();
      expect(d.pairing_code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
      expect(d.pairing_code_expires_at).toBe(NOW + 600);
      expect(d.status).toBe("PENDING");

      // Any case, without the dash, is the same code.
      const paired = await pair(d.pairing_code.replace("-", "").toLowerCase());
      expect(paired.status, paired.text).toBe(200);
      const token = paired.json.data.access_token as string;
      expect(token).toMatch(/^mat\./);
      expect(paired.json.data).toMatchObject({
        device_id: d.device_id,
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_name: "Sudirman",
      });

      // Once only.
      const again = await pair(d.pairing_code);
      expect(again.status).toBe(400);
      expect(again.json.error.code).toBe("pairing_code_invalid");

      // The session the POS reads: business time, the merchant's day, the cancel window.
      const session = await t.request(SESSION, { headers: bearer(token) });
      expect(session.status, session.text).toBe(200);
      expect(session.json.data).toMatchObject({
        device_id: d.device_id,
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_name: "Sudirman",
        timezone: "Asia/Jakarta",
        now: NOW,
        day_start: NOW - 10 * 3600, // 10:00 in Jakarta
        cancel_window_seconds: 3600,
        can_redeem: true,
      });

      // The token is a SaaS token: lookup and redeem at its shop; its grant stops other shops.
      const here = await t.query(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: [o1.built.codes[0]],
      });
      expect(here.status, here.text).toBe(200);
      const there = await t.query(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_2,
        code_list: [o1.built.codes[0]],
      });
      expect(there.json.error.message).toBe("FulfillVerifierNoShopPermission");
      const redeemed = await t.redeem(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: o1.built.shopOrderId,
        code_list: [o1.built.codes[0]],
        locale: "en-US",
      });
      expect(redeemed.status, redeemed.text).toBe(200);
      const records = await t.postJson(
        RECORDS,
        {
          merchant_id: MERCHANT,
          third_shop_id: SHOP_1,
          start_time: NOW - 3600,
          end_time: NOW + 3600,
          cursor: "0",
          size: 10,
        },
        bearer(token),
      );
      expect(records.json.data.records[0]).toMatchObject({
        redeem_id: redeemed.json.data.redeem_id,
        can_cancel: true,
      });

      const list = await t.operator("GET", `/platform/merchants/${MERCHANT}/devices`);
      expect(
        list.json.data.devices.find((x: { device_id: string }) => x.device_id === d.device_id),
      ).toMatchObject({
        status: "PAIRED",
        device_client_key: `dev_${d.device_id}`,
        pair_time: NOW,
      });
    });

    it("the devices list pages newest first by cursor; a bad limit or cursor answers invalid_params", async () => {
      const made: string[] = [];
      for (let i = 0; i < 3; i++) made.push((await newDevice()).device_id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = `?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
        const page = await t.operator("GET", `/platform/merchants/${MERCHANT}/devices${q}`);
        expect(page.status, page.text).toBe(200);
        const ids = page.json.data.devices.map((x: { device_id: string }) => x.device_id);
        expect(ids.length).toBeLessThanOrEqual(2);
        seen.push(...ids);
        cursor = page.json.data.cursor;
        expect(page.json.data.has_more).toBe(cursor !== null);
        pages++;
      } while (cursor !== null && pages < 100);
      expect(cursor).toBeNull();
      // Newest first, each once, the three just made at the top.
      expect(seen.slice(0, 3)).toEqual([...made].reverse());
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1))).toEqual(seen);
      for (const bad of ["?limit=0", "?limit=101", "?cursor=abc"]) {
        const r = await t.operator("GET", `/platform/merchants/${MERCHANT}/devices${bad}`);
        expect(r.status, bad).toBe(400);
        expect(r.json.error.code).toBe("invalid_params");
      }
    });

    it("revoking the device stops its token at once, on the SaaS endpoints and the session", async () => {
      const d = await newDevice();
      const token = (await pair(d.pairing_code)).json.data.access_token as string;
      expect((await t.request(SESSION, { headers: bearer(token) })).status).toBe(200);

      const revoked = await t.operator("DELETE", `/platform/merchants/${MERCHANT}/devices/${d.device_id}`);
      expect(revoked.status, revoked.text).toBe(200);
      expect(revoked.json.data.device.status).toBe("REVOKED");

      const q = await t.query(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: [o1.built.codes[1]],
      });
      expect(q.status).toBe(401);
      expect(q.json.error.code).toBe("access_token_invalid");
      const r = await t.redeem(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: o1.built.shopOrderId,
        code_list: [o1.built.codes[1]],
        locale: "en-US",
      });
      expect(r.status).toBe(401);
      expect((await t.request(SESSION, { headers: bearer(token) })).status).toBe(401);

      expect((await t.operator("DELETE", `/platform/merchants/${MERCHANT}/devices/999999`)).status).toBe(404);

      // The POS can unpair itself: the same revoke, with its own token.
      const d2 = await newDevice();
      const token2 = (await pair(d2.pairing_code)).json.data.access_token as string;
      const unpaired = await t.request(SESSION, { method: "DELETE", headers: bearer(token2) });
      expect(unpaired.status, unpaired.text).toBe(200);
      expect((await t.request(SESSION, { headers: bearer(token2) })).status).toBe(401);
      expect(
        (
          await t.query(token2, {
            merchant_id: MERCHANT,
            third_shop_id: SHOP_1,
            code_list: [o1.built.codes[1]],
          })
        ).status,
      ).toBe(401);
      expect((await t.request(SESSION, { method: "DELETE", headers: bearer(token2) })).status).toBe(401);
    });

    it("a revoked device's unused code, an expired code and a wrong code do not pair", async () => {
      const pending = await newDevice();
      await t.operator("DELETE", `/platform/merchants/${MERCHANT}/devices/${pending.device_id}`);
      expect((await pair(pending.pairing_code)).json.error.code).toBe("pairing_code_invalid");

      const late = await newDevice();
      await t.clock(NOW + 601);
      try {
        expect((await pair(late.pairing_code)).json.error.code).toBe("pairing_code_invalid");
      } finally {
        await t.clock(NOW);
      }
      expect((await pair("not a code")).status).toBe(400);
      expect(
        (
          await t.request("/pos/api/pair", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: "{}",
          })
        ).status,
      ).toBe(400);
      expect((await t.request(SESSION)).status).toBe(401);
      expect((await t.request(SESSION, { headers: bearer("mat.unknown") })).status).toBe(401);
    });

    it("on behalf of an app: only within that app's grant, and never with more scopes than it has", async () => {
      const unknown = await t.operator("POST", `/platform/merchants/${MERCHANT}/devices`, {
        third_shop_id: SHOP_1,
        client_key: "ck_nope",
      });
      expect(unknown.status).toBe(400);
      const outside = await t.operator("POST", `/platform/merchants/${MERCHANT}/devices`, {
        third_shop_id: SHOP_1,
        client_key: "ck_shop2",
      });
      expect(outside.status).toBe(400);
      expect(outside.json.error.message).toMatch(/outside the grant/);
      expect(
        (await t.operator("POST", `/platform/merchants/${MERCHANT}/devices`, { third_shop_id: "S-404" }))
          .status,
      ).toBe(400);
      expect(
        (
          await t.operator("POST", `/platform/merchants/7000000000000000099/devices`, {
            third_shop_id: SHOP_1,
          })
        ).status,
      ).toBe(404);
      expect(
        (await t.postJson(`/platform/merchants/${MERCHANT}/devices`, { third_shop_id: SHOP_1 })).status,
      ).toBe(401);

      const d = await newDevice({ third_shop_id: SHOP_2, client_key: "ck_shop2", name: "Kemang counter" });
      const token = (await pair(d.pairing_code)).json.data.access_token as string;
      const session = await t.request(SESSION, { headers: bearer(token) });
      expect(session.json.data).toMatchObject({ device_name: "Kemang counter", can_redeem: false });
      const q = await t.query(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_2,
        code_list: [o1.built.codes[1]],
      });
      expect(q.status, q.text).toBe(200);
      const r = await t.redeem(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_2,
        shop_order_id: o1.built.shopOrderId,
        code_list: [o1.built.codes[1]],
        locale: "en-US",
      });
      expect(r.json.error.message).toBe("FulfillVerifierNoRedeemPermission");

      // A code whose app lost its grant before pairing does not pair, and stays unused.
      const d2 = await newDevice({ third_shop_id: SHOP_2, client_key: "ck_shop2" });
      await t.operator("DELETE", `/platform/merchants/${MERCHANT}/grants/ck_shop2`);
      const refused = await pair(d2.pairing_code);
      expect(refused.json.error.code).toBe("pairing_not_allowed");
      // The redeem endpoint itself is untouched by all this.
      expect((await t.postJson(REDEEM, {})).status).toBe(401);
      expect((await t.postJson(QUERY, {})).status).toBe(401);
    });

    it("limits failed pairing attempts per client", async () => {
      let last = await pair("AAAA-AAAA");
      for (let i = 0; i < 12 && last.status !== 429; i++) last = await pair("AAAA-AAAA");
      expect(last.status).toBe(429);
      expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
      // Even a good code waits until the window ends.
      const d = await newDevice();
      expect((await pair(d.pairing_code)).status).toBe(429);
    });
  });
}

describe("POS static serving", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pos-dist-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>POS</title>");
    const js = "console.log('pos');".repeat(50);
    writeFileSync(join(dir, "assets", "index-abc.js"), js);
    writeFileSync(join(dir, "assets", "index-abc.js.gz"), gzipSync(js));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves the built app with strict security headers, hashed assets cached for good", async () => {
    const app = Fastify();
    await installPosStatic(app, dir);
    const page = await app.inject({ method: "GET", url: "/pos/" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<title>POS</title>");
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
    expect(page.headers["permissions-policy"]).toContain("camera=(self)");
    expect(page.headers["cache-control"]).toBe("no-cache");
    const asset = await app.inject({
      method: "GET",
      url: "/pos/assets/index-abc.js",
      headers: { "accept-encoding": "gzip" },
    });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["content-encoding"]).toBe("gzip");
    expect(asset.headers["cache-control"]).toContain("immutable");
    const bare = await app.inject({ method: "GET", url: "/pos" });
    expect(bare.statusCode).toBe(301);
    expect(bare.headers.location).toBe("/pos/");
    expect((await app.inject({ method: "GET", url: "/pos/missing.js" })).statusCode).toBe(404);
    await app.close();
  });

  it("answers 503 with how to build it when the app is not built", async () => {
    const app = Fastify();
    await installPosStatic(app, join(dir, "nowhere"));
    for (const url of ["/pos/", "/pos/assets/x.js"]) {
      const r = await app.inject({ method: "GET", url });
      expect(r.statusCode).toBe(503);
      expect(r.body).toContain("npm run build -w @fulfill/pos");
      expect(r.headers["content-security-policy"]).toBeDefined();
    }
    await app.close();
  });
});
