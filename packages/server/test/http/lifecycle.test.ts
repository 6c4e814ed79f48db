/**
 * The platform lifecycle end to end over HTTP (issue: platform side): order → QR → lookup →
 * redeem → webhook → cancel → webhook → refund requested → status 500 → redeem refused (R30)
 * → refund approved → status 501 and an after-sale webhook. Plus cancel's own rows and the
 * redemption records.
 */
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, NOW, OTHER_MERCHANT, product, SHOP_1, SHOP_2 } from "../support/world.js";

const P = "7200000000000000301";
const CANCEL = "/v2/localservice/saas/fulfill/cancel_redeem/";
const RECORDS = "/v2/localservice/saas/fulfill/query_redeem_record/";

interface Received {
  body: Record<string, unknown>;
  content: Record<string, unknown>;
  signatureOk: boolean;
}

async function startReceiver(secret: string): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const header = String(req.headers["tiktok-signature"] ?? "");
      const m = /^t=(\d+),s=([0-9a-f]{64})$/.exec(header);
      const expected = m ? createHmac("sha256", secret).update(`${m[1]}.${raw}`).digest("hex") : "";
      const body = JSON.parse(raw) as Record<string, unknown>;
      received.push({
        body,
        content: JSON.parse(String(body.content)),
        signatureOk: m !== null && expected === m[2],
      });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const database of testDatabases()) {
  describe(`platform lifecycle on ${database.name}`, () => {
    let t: TestServer;
    let token: string;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;

    beforeAll(async () => {
      receiver = await startReceiver("cs_demo");
      t = await startTestServer(database, { cancelWindowSeconds: 3600, webhookPollMs: 50 });
      const world = baseWorld();
      world.apps = [
        { client_key: "ck_demo", client_secret: "cs_demo", name: "Demo POS", webhook_url: receiver.url },
      ];
      world.products = [product(P, { applicable_third_shop_ids: [SHOP_1, SHOP_2] })];
      expect((await t.world(world)).status).toBe(200);
      await t.clock(NOW);
      token = await t.token();
    });
    afterAll(async () => {
      await t?.close();
      await new Promise((r) => receiver?.server.close(r));
    });

    const placeOrder = async (quantity: number) => {
      const res = await t.operator("POST", "/platform/orders", {
        merchant_id: MERCHANT,
        product_id: P,
        user_id: "6900000000000000001",
        quantity,
      });
      expect(res.status).toBe(200);
      return res.json.data as { shop_order_id: string; items: { item_order_id: string; code: string }[] };
    };
    const status = async (code: string) => {
      const res = await t.query(token, { merchant_id: MERCHANT, third_shop_id: SHOP_1, code_list: [code] });
      return res.json.data.code_list[0].redemption_status as number;
    };

    it("order → QR → lookup → redeem → cancel → refund → approve, with webhooks", {
      timeout: 120_000,
    }, async () => {
      const order = await placeOrder(2);
      expect(order.items).toHaveLength(2);
      for (const i of order.items) expect(i.code).toMatch(/^\d{12}$/);
      const codes = order.items.map((i) => i.code);

      const qr = await t.operator("GET", `/platform/orders/${order.shop_order_id}/qr`);
      expect(qr.status).toBe(200);
      const lookup = await t.query(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        qr_info: qr.json.data.qr_info,
      });
      expect(lookup.status).toBe(200);
      expect(lookup.json.data.code_list.map((i: { code: string }) => i.code).sort()).toEqual(
        [...codes].sort(),
      );

      const redeemed = await t.redeem(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: order.shop_order_id,
        code_list: codes,
        locale: "en-US",
      });
      expect(redeemed.status).toBe(200);
      const redeemId = redeemed.json.data.redeem_id as string;
      const redeemHook = await waitFor("redeem webhook", () =>
        receiver.received.find(
          (r) => r.body.event === "ttls.fulfill.redeem.result" && r.content.redeem_id === redeemId,
        ),
      );
      expect(redeemHook.signatureOk).toBe(true);
      expect(redeemHook.body).toMatchObject({
        client_key: "ck_demo",
        create_time: NOW,
        user_id: "6900000000000000001",
      });
      expect(redeemHook.content).toMatchObject({
        shop_order_id: order.shop_order_id,
        codes,
        third_shop_id: SHOP_1,
        redemption_source: 2,
      });

      await t.clock(NOW + 600);
      const cancelled = await t.postJson(
        CANCEL,
        { merchant_id: MERCHANT, third_shop_id: SHOP_1, redeem_id: redeemId, locale: "en-US" },
        { authorization: `Bearer ${token}` },
      );
      expect(cancelled.status).toBe(200);
      expect(cancelled.json.data).toEqual({ redeem_id: redeemId, cancel_time: NOW + 600 });
      expect(await status(codes[0] as string)).toBe(100);
      await waitFor("cancel webhook", () =>
        receiver.received.find(
          (r) => r.body.event === "ttls.fulfill.redeem_cancel.result" && r.content.redeem_id === redeemId,
        ),
      );

      const refund = await t.operator("POST", "/platform/after-sales", {
        merchant_id: MERCHANT,
        shop_order_id: order.shop_order_id,
        item_order_ids: [order.items[0]?.item_order_id],
      });
      expect(refund.status).toBe(200);
      expect(refund.json.data).toMatchObject({ status: "PROCESSING", apply_source: 2 });
      expect(await status(codes[0] as string)).toBe(500);
      const refused = await t.redeem(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: order.shop_order_id,
        code_list: [codes[0]],
        locale: "en-US",
      });
      expect(refused.json.error).toMatchObject({
        code: "-3000104",
        message: "FulfillSubOrderRefundInProgress",
      });

      const approved = await t.operator(
        "POST",
        `/platform/after-sales/${refund.json.data.after_sale_order_id}/approve`,
        { merchant_id: MERCHANT },
      );
      expect(approved.status).toBe(200);
      expect(await status(codes[0] as string)).toBe(501);
      const hook = await waitFor("after-sale webhook", () =>
        receiver.received.find(
          (r) =>
            r.body.event === "ttls.fulfill.after_sale.result" &&
            r.content.after_sale_event_type === "AFTER_SALE_SUCCESS" &&
            r.content.shop_order_id === order.shop_order_id,
        ),
      );
      expect(hook.signatureOk).toBe(true);
      expect(Object.keys(hook.content).sort()).toEqual([
        "after_sale_event_type",
        "after_sale_order_id",
        "apply_source",
        "item_ids",
        "shop_order_id",
        "user_id",
      ]);
      expect(hook.content).toMatchObject({
        item_ids: [order.items[0]?.item_order_id],
        apply_source: 2,
        after_sale_order_id: refund.json.data.after_sale_order_id,
      });
      // the other item is untouched and still redeemable
      expect(await status(codes[1] as string)).toBe(100);
    });

    it("cancel: unknown id, another merchant's, after the window, twice, and a code that moved on", async () => {
      const cancel = (redeemId: string, auth = token, merchantId = MERCHANT) =>
        t.postJson(
          CANCEL,
          { merchant_id: merchantId, third_shop_id: SHOP_1, redeem_id: redeemId, locale: "en-US" },
          { authorization: `Bearer ${auth}` },
        );
      expect((await cancel("123")).json.error).toMatchObject({
        code: "-3000300",
        message: "FulfillRedeemRecordNotFound",
      });
      expect((await cancel("abc")).json.error).toMatchObject({
        code: "-3000304",
        message: "FulfillRedeemIdInvalid",
      });

      await t.clock(NOW);
      const order = await placeOrder(1);
      const r = await t.redeem(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: order.shop_order_id,
        code_list: [order.items[0]?.code],
        locale: "en-US",
      });
      const redeemId = r.json.data.redeem_id as string;

      // another merchant (its own token) cannot see it
      await t.world({
        apps: [{ client_key: "ck_other", client_secret: "cs_other", name: "Other", webhook_url: null }],
        merchants: [
          {
            merchant_id: OTHER_MERCHANT,
            name: "Other",
            country: "ID",
            timezone: "Asia/Jakarta",
            shops: [{ shop_id: "7100000000000000009", third_shop_id: SHOP_1, name: "Other S-001" }],
            grants: [
              {
                client_key: "ck_other",
                scopes: ["localservice.fulfill.query", "localservice.fulfill.redeem"],
                third_shop_ids: [],
              },
            ],
          },
        ],
      });
      const other = await t.token({
        clientKey: "ck_other",
        clientSecret: "cs_other",
        merchantId: OTHER_MERCHANT,
      });
      expect((await cancel(redeemId, other, OTHER_MERCHANT)).json.error.code).toBe("-3000300");

      await t.clock(NOW + 3600);
      expect((await cancel(redeemId)).json.error).toMatchObject({
        code: "-3000301",
        message: "FulfillCancelWindowClosed",
      });
      await t.clock(NOW + 3599);
      expect((await cancel(redeemId)).status).toBe(200);
      expect((await cancel(redeemId)).json.error).toMatchObject({
        code: "-3000302",
        message: "FulfillRedeemAlreadyCancelled",
      });

      const r2 = await t.redeem(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: order.shop_order_id,
        code_list: [order.items[0]?.code],
        locale: "en-US",
      });
      expect(r2.status).toBe(200);
      await t.operator("POST", "/platform/after-sales", {
        merchant_id: MERCHANT,
        shop_order_id: order.shop_order_id,
        item_order_ids: [order.items[0]?.item_order_id],
      });
      expect((await cancel(r2.json.data.redeem_id)).json.error).toMatchObject({
        code: "-3000303",
        message: "FulfillCancelCodeMovedOn",
      });
    });

    it("query_redeem_record pages newest first, stable while new redemptions arrive", async () => {
      await t.clock(NOW + 10_000);
      const made: string[] = [];
      for (let i = 0; i < 5; i++) {
        const order = await placeOrder(1);
        await t.clock(NOW + 10_000 + i);
        const r = await t.redeem(token, {
          merchant_id: MERCHANT,
          third_shop_id: SHOP_2,
          shop_order_id: order.shop_order_id,
          code_list: [order.items[0]?.code],
          locale: "en-US",
        });
        made.push(r.json.data.redeem_id);
      }
      const page = (cursor: string) =>
        t.postJson(
          RECORDS,
          {
            merchant_id: MERCHANT,
            third_shop_id: SHOP_2,
            start_time: NOW + 10_000,
            end_time: NOW + 20_000,
            cursor,
            size: 2,
          },
          { authorization: `Bearer ${token}` },
        );
      const p1 = await page("0");
      expect(p1.status).toBe(200);
      expect(p1.json.data.records.map((r: { redeem_id: string }) => r.redeem_id)).toEqual([made[4], made[3]]);
      expect(p1.json.data.has_more).toBe(true);
      expect(p1.json.data.records[0]).toMatchObject({
        status: "REDEEMED",
        third_shop_id: SHOP_2,
        redemption_source: 2,
        can_cancel: true,
        cancel_time: 0,
      });
      // a new redemption arrives between pages: later pages are unaffected
      const late = await placeOrder(1);
      await t.redeem(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_2,
        shop_order_id: late.shop_order_id,
        code_list: [late.items[0]?.code],
        locale: "en-US",
      });
      const p2 = await page(p1.json.data.cursor);
      expect(p2.json.data.records.map((r: { redeem_id: string }) => r.redeem_id)).toEqual([made[2], made[1]]);
      const p3 = await page(p2.json.data.cursor);
      expect(p3.json.data.records.map((r: { redeem_id: string }) => r.redeem_id)).toEqual([made[0]]);
      expect(p3.json.data.has_more).toBe(false);
      expect((await page("nonsense")).json.error).toMatchObject({
        code: "-3000310",
        message: "FulfillRecordQueryInvalid",
      });
    });

    it("revoking a grant stops its tokens at once", async () => {
      const fresh = await t.token();
      expect(
        (await t.query(fresh, { merchant_id: MERCHANT, third_shop_id: SHOP_1, code_list: ["000000000000"] }))
          .status,
      ).toBe(500);
      const revoked = await t.operator("DELETE", `/platform/merchants/${MERCHANT}/grants/ck_demo`);
      expect(revoked.status).toBe(200);
      const after = await t.query(fresh, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: ["000000000000"],
      });
      expect(after.status).toBe(401);
      expect(after.json.error.code).toBe("access_token_invalid");
      await t.operator("PUT", `/platform/merchants/${MERCHANT}/grants/ck_demo`, {
        scopes: ["localservice.fulfill.query", "localservice.fulfill.redeem"],
        third_shop_ids: [],
      });
      token = await t.token();
    });

    it("the QR as PNG and SVG", async () => {
      const order = await placeOrder(1);
      const png = await fetch(`${t.url}/platform/orders/${order.shop_order_id}/qr?format=png`, {
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
      });
      expect(png.headers.get("content-type")).toBe("image/png");
      const bytes = Buffer.from(await png.arrayBuffer());
      expect(bytes.subarray(1, 4).toString()).toBe("PNG");
      const svg = await fetch(`${t.url}/platform/orders/${order.shop_order_id}/qr?format=svg`, {
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
      });
      expect(await svg.text()).toContain("<svg");
    });

    it("expired unused vouchers of an auto-refund product refund themselves (apply_source 1)", async () => {
      const auto = "7200000000000000302";
      await t.operator("POST", "/platform/products", {
        ...product(auto, { valid_to: NOW + 100_000, auto_refund_expired: true }),
      });
      await t.clock(NOW);
      const order = await t.operator("POST", "/platform/orders", {
        merchant_id: MERCHANT,
        product_id: auto,
        user_id: "6900000000000000001",
        quantity: 1,
      });
      await t.clock(NOW + 100_000);
      const run = await t.operator("POST", "/platform/expired-refunds/run");
      expect(run.json.data.refunded.map((r: { shop_order_id: string }) => r.shop_order_id)).toContain(
        order.json.data.shop_order_id,
      );
      const view = await t.operator("GET", `/platform/orders/${order.json.data.shop_order_id}`);
      expect(view.json.data.items[0]).toMatchObject({
        voucher_status: "AFTER_SALE_SUCCESS",
        execution_status: "AFTER_SALE_SUCCESS",
        sub_fulfillment_status: "AFTER_SALE_SUCCESS",
        redemption_status: 501,
      });
    });
  });
}
