/**
 * End-to-end happy paths over HTTP: OAuth, lookup by typed code and by QR with every CodeItem
 * field typed as the contract says, redeem, the spent QR, localized names, the holiday
 * reminder, the request log, TTLS's own sample bodies against the demo world.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO, demoWorld } from "../../src/demo-world.js";
import { testDatabases } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, DAY, MERCHANT, NOW, order, product, SHOP_1, SHOP_2 } from "../support/world.js";

const P = "7200000000000000101";
const P_HOLIDAY = "7200000000000000102";

function expectCodeItemTypes(item: Record<string, unknown>) {
  for (const f of [
    "code",
    "item_order_id",
    "product_name",
    "goods_image_url",
    "refund_rule_desc",
    "crossed_amount",
    "sale_amount",
    "currency",
    "product_id",
    "third_product_id",
    "redeemed_third_shop_id",
  ]) {
    expect(typeof item[f], f).toBe("string");
  }
  expect(item.code).toMatch(/^\d{12}$/);
  expect(item.item_order_id).toMatch(/^\d+$/);
  expect(typeof item.redemption_status).toBe("number");
  expect([0, 100, 400, 500, 501]).toContain(item.redemption_status);
  const window = item.code_can_use_time as Record<string, unknown>;
  expect(Number.isInteger(window.start_time)).toBe(true);
  expect(Number.isInteger(window.end_time)).toBe(true);
  const reminder = item.code_cannot_use_date as {
    enable: unknown;
    content_list: { type: string; title: string; contents: string[] }[];
  };
  expect(typeof reminder.enable).toBe("boolean");
  for (const entry of reminder.content_list) {
    expect(["use_time", "cannot_use_date"]).toContain(entry.type);
    expect(typeof entry.title).toBe("string");
    expect(Array.isArray(entry.contents)).toBe(true);
  }
}

for (const database of testDatabases()) {
  describe(`happy paths over HTTP on ${database.name}`, () => {
    let t: TestServer;
    let token: string;
    const world = baseWorld();
    world.products = [
      product(P, { names: { "id-ID": "Paket kopi berdua" }, applicable_third_shop_ids: [SHOP_1, SHOP_2] }),
      product(P_HOLIDAY, {
        holidays_unavailable: true,
        usable_hours: [{ start: "08:00", end: "22:00" }],
        valid_to: NOW + 60 * DAY,
      }),
    ];
    const a = order({
      productId: P,
      items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }, { status: "AFTER_SALE_PROCESSING" }],
    });
    const b = order({ productId: P, items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }] });
    const h = order({ productId: P_HOLIDAY, items: [{ status: "WAIT_FULFILL" }] });
    world.orders = [a.order, b.order, h.order];

    beforeAll(async () => {
      t = await startTestServer(database);
      expect((await t.world(world)).status).toBe(200);
      await t.clock(NOW);
      token = await t.token();
    });
    afterAll(async () => t?.close());
    beforeEach(async () => {
      await t.clock(NOW);
    });

    it("looks up typed codes with every CodeItem field typed as in the contract", async () => {
      const res = await t.query(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: a.built.codes,
      });
      expect(res.status).toBe(200);
      expect(res.json.error).toEqual({
        code: "0",
        message: "success",
        log_id: res.headers.get("x-tt-logid"),
      });
      expect(res.json.data.shop_order_id).toBe(a.built.shopOrderId);
      const items = res.json.data.code_list as Record<string, unknown>[];
      expect(items.map((i) => i.code)).toEqual(a.built.codes);
      for (const item of items) expectCodeItemTypes(item);
      expect(items[0]).toMatchObject({
        crossed_amount: "150000",
        sale_amount: "99000",
        currency: "IDR",
        redemption_status: 100,
      });
      expect(items[0]).not.toHaveProperty("redeem_id");
      expect(items[0]).not.toHaveProperty("redemption_source");
      expect(items[0]).not.toHaveProperty("redeemed_shop_id");
      expect(items[2]?.redemption_status).toBe(500);
    });

    it("redeems, then shows the redemption with int64 redeemed_shop_id written with every digit", async () => {
      const res = await t.redeem(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: a.built.shopOrderId,
        code_list: [a.built.codes[0]],
        locale: "id-ID",
      });
      expect(res.status).toBe(200);
      const redeemId = res.json.data.redeem_id as string;
      expect(redeemId).toMatch(/^\d+$/);
      const look = await t.query(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: [a.built.codes[0]],
      });
      const item = look.json.data.code_list[0];
      expect(item).toMatchObject({
        redemption_status: 400,
        redeem_id: redeemId,
        redemption_source: 2,
        redeemed_third_shop_id: SHOP_1,
        redeem_time: NOW,
      });
      expect(look.text).toContain('"redeemed_shop_id":7100000000000000001');
    });

    it("a QR lists all codes of its order; the same QR is spent by a later redemption (G22 with FINISH/after-sale data)", async () => {
      const qr = await t.qr(b.built.shopOrderId);
      const first = await t.query(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        qr_info: qr,
        locale: "id-ID",
      });
      expect(first.status).toBe(200);
      expect(first.json.data.shop_order_id).toBe(b.built.shopOrderId);
      expect(first.json.data.code_list).toHaveLength(2);
      for (const item of first.json.data.code_list) {
        expectCodeItemTypes(item);
        expect(item.product_name).toBe("Paket kopi berdua");
      }
      const redeemed = await t.redeem(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: b.built.shopOrderId,
        code_list: [b.built.codes[0]],
        locale: "id-ID",
      });
      expect(redeemed.status).toBe(200);
      const again = await t.query(token, { merchant_id: MERCHANT, third_shop_id: SHOP_1, qr_info: qr });
      expect(again.status).toBe(500);
      expect(again.json.error.code).toBe("-3000109");
      expect(again.json.error.message).toBe("FulfillRedeemQRCodeExpired");
      expect(again.json.error.handling).toBe("refresh_qr");
      expect(again.json.data.code_list.map((i: { code: string }) => i.code)).toEqual([b.built.codes[0]]);
      expect(again.json.data.code_list[0].redemption_status).toBe(400);
      // A QR issued after the redemption is fresh again.
      await t.clock(NOW + 1);
      const fresh = await t.query(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        qr_info: await t.qr(b.built.shopOrderId),
      });
      expect(fresh.status).toBe(200);
    });

    it("the holiday reminder: a cannot_use_date entry, and enable on the holiday itself", async () => {
      const res = await t.query(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: h.built.codes,
      });
      const reminder = res.json.data.code_list[0].code_cannot_use_date;
      expect(reminder.enable).toBe(false);
      expect(reminder.content_list[0]).toMatchObject({
        type: "use_time",
        contents: ["Every day", "08:00-22:00"],
      });
      expect(reminder.content_list[1]).toMatchObject({
        type: "cannot_use_date",
        contents: ["2026-12-25 Christmas Day"],
      });
      // Christmas Day 10:00 in Jakarta: the reminder is on, still no error.
      await t.clock(Date.UTC(2026, 11, 25, 3, 0, 0) / 1000);
      const holidayToken = await t.token();
      const onHoliday = await t.query(holidayToken, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: h.built.codes,
      });
      expect(onHoliday.status).toBe(200);
      expect(onHoliday.json.data.code_list[0].code_cannot_use_date.enable).toBe(true);
      // 23:00 local: outside the usable hours.
      await t.clock(NOW + 13 * 3600);
      const late = await t.query(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: h.built.codes,
      });
      expect(late.json.data.code_list[0].code_cannot_use_date.enable).toBe(true);
    });

    it("the operator finds a request by its log id, with its row, cause and redemption", async () => {
      const bad = await t.redeem(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: "x1",
        code_list: ["123456789012"],
        locale: "en-US",
      });
      const logId = bad.headers.get("x-tt-logid") as string;
      let found = await t.operator("GET", `/platform/logs/${logId}`);
      for (let i = 0; i < 20 && found.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        found = await t.operator("GET", `/platform/logs/${logId}`);
      }
      expect(found.status).toBe(200);
      expect(found.json.data).toMatchObject({
        log_id: logId,
        endpoint: "redeem_code",
        merchant_id: MERCHANT,
        outcome: { row: "R10", code: "-9990001", message: "FulfillCoreParamInvalid" },
      });
      expect(found.json.data.cause).toContain("shop_order_id");
      // A generic error of the envelope reads in words too, not as its bare code.
      const refused = await t.redeem("not-a-token", {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: "1",
        code_list: ["123456789012"],
      });
      expect(refused.status).toBe(401);
      const refusedId = refused.headers.get("x-tt-logid") as string;
      let refusedLog = await t.operator("GET", `/platform/logs/${refusedId}`);
      for (let i = 0; i < 20 && refusedLog.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        refusedLog = await t.operator("GET", `/platform/logs/${refusedId}`);
      }
      expect(refusedLog.json.data.outcome).toEqual({
        row: "access_token_invalid",
        code: "access_token_invalid",
        message: "The access token is invalid or has expired.",
        http_status: 401,
      });
      const missing = await t.operator("GET", "/platform/logs/20260101000000AAAAAAAAAAAAAAAAAAAA");
      expect(missing.status).toBe(404);
      const noToken = await t.request(`/platform/logs/${logId}`);
      expect(noToken.status).toBe(401);
    });

    it("OAuth: refresh rotates; the old refresh token stops working; errors in the OAuth shape", async () => {
      const form = (fields: Record<string, string>) =>
        t.request("/merchant/oauth/token/", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(fields).toString(),
        });
      const base = { client_key: "ck_demo", client_secret: "cs_demo", merchant_id: MERCHANT };
      const first = await form({ ...base, grant_type: "access_token" });
      expect(first.status).toBe(200);
      expect(first.json.access_token).toMatch(/^mat\./);
      expect(first.json.refresh_token).toMatch(/^mrt\./);
      expect(first.json.expires_in).toBe(NOW + 120 * 3600);
      expect(first.json.refresh_expires_in).toBe(NOW + 365 * 86400);
      const rotated = await form({
        ...base,
        grant_type: "refresh_token",
        refresh_token: first.json.refresh_token,
      });
      expect(rotated.status).toBe(200);
      expect(rotated.json.refresh_token).not.toBe(first.json.refresh_token);
      const reused = await form({
        ...base,
        grant_type: "refresh_token",
        refresh_token: first.json.refresh_token,
      });
      expect(reused.status).toBe(400);
      expect(reused.json.error).toBe("invalid_grant");
      expect(reused.json.log_id).toBe(reused.headers.get("x-tt-logid"));
      // the first access token still works until its own expiry
      const still = await t.query(first.json.access_token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: a.built.codes,
      });
      expect(still.status).toBe(200);
      await t.clock(NOW + 120 * 3600);
      const expired = await t.query(first.json.access_token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: a.built.codes,
      });
      expect(expired.status).toBe(401);
      expect(expired.json.error.code).toBe("access_token_invalid");
      expect((await form({ ...base, client_secret: "wrong", grant_type: "access_token" })).json.error).toBe(
        "invalid_client",
      );
      expect((await form({ ...base, grant_type: "password" })).json.error).toBe("unsupported_grant_type");
      expect((await form({ client_key: "ck_demo", grant_type: "access_token" })).json.error).toBe(
        "invalid_request",
      );
      const unauthorized = await form({
        ...base,
        merchant_id: "7000000000000000002",
        grant_type: "access_token",
      });
      expect(unauthorized.status).toBe(401);
      expect(unauthorized.json.error).toBe("unauthorized_client");
    });

    it("/openapi.json documents the routes and carries the whole catalogue", async () => {
      const res = await t.request("/openapi.json");
      expect(res.status).toBe(200);
      expect(res.json.paths).toHaveProperty("/v2/localservice/saas/fulfill/get_code_item_list/");
      expect(res.json.paths).toHaveProperty("/v2/localservice/saas/fulfill/redeem_code/");
      expect(res.json.paths).toHaveProperty("/merchant/oauth/token/");
      const rows = (res.json["x-error-catalogue"] as { row: string }[]).map((r) => r.row);
      for (const row of ["G1", "G22", "R1", "R2b", "R34"]) expect(rows).toContain(row);
      expect((await t.request("/healthz")).status).toBe(200);
    });
  });
}

for (const database of testDatabases()) {
  describe(`TTLS public sample bodies against the demo world on ${database.name}`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer(database);
      expect((await t.world(demoWorld(Math.floor(Date.now() / 1000)))).status).toBe(200);
    });
    afterAll(async () => t?.close());

    it("the query with one 12-digit code and the redeem with locale id-ID work unchanged", async () => {
      const token = await t.token({
        clientKey: DEMO.clientKey,
        clientSecret: DEMO.clientSecret,
        merchantId: DEMO.merchantId,
      });
      const q = await t.query(token, {
        merchant_id: DEMO.merchantId,
        third_shop_id: DEMO.shop,
        code_list: ["123456789012"],
      });
      expect(q.status).toBe(200);
      expect(q.json.data.code_list[0].code).toBe("123456789012");
      const r = await t.redeem(token, {
        third_shop_id: DEMO.shop,
        code_list: ["123456789012"],
        shop_order_id: q.json.data.shop_order_id,
        merchant_id: DEMO.merchantId,
        locale: "id-ID",
      });
      expect(r.status).toBe(200);
      expect(r.json.error).toMatchObject({ code: "0", message: "success" });
    });
  });
}

describe("without sandbox mode", () => {
  it("the sandbox routes answer 404", async () => {
    const [database] = testDatabases();
    const t = await startTestServer(database as typeof testDatabases extends () => (infer D)[] ? D : never, {
      sandbox: false,
    });
    try {
      const res = await t.operator("POST", "/sandbox/clock", { now: 1 });
      expect(res.status).toBe(404);
      expect(res.json.error.log_id).toBe(res.headers.get("x-tt-logid"));
    } finally {
      await t.close();
    }
  });
});
