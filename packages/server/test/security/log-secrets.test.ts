/**
 * Secrets never reach the log stream (CONTRACT.md section 1a): a full run at the most verbose
 * level is captured, then every line is scanned for client secrets, tokens, the QR key, the
 * operator token and voucher codes.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { logLines } from "../support/log-lines.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../support/world.js";

const P = "7200000000000000501";

describe("the log stream", () => {
  let t: TestServer;
  const { lines, stream } = logLines();
  const world = baseWorld();
  world.apps = [
    { client_key: "ck_demo", client_secret: "cs_super_secret_value_123", name: "Demo", webhook_url: null },
  ];
  world.products = [product(P)];
  const qrKey = randomBytes(32).toString("base64");
  const o = order({ productId: P, items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }] });
  world.orders = [o.order];

  beforeAll(async () => {
    const [database] = testDatabases();
    if (!database) throw new Error("no test database");
    t = await startTestServer(database, { qrKey }, { logStream: stream });
  });
  afterAll(async () => t?.close());

  it("holds no secret, token, QR key or code after a full run", async () => {
    expect((await t.world(world)).status).toBe(200);
    await t.clock(NOW);
    const form = new URLSearchParams({
      client_key: "ck_demo",
      client_secret: "cs_super_secret_value_123",
      merchant_id: MERCHANT,
      grant_type: "access_token",
    });
    const tokenRes = await t.request("/merchant/oauth/token/", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    const { access_token, refresh_token } = tokenRes.json;
    await t.request("/merchant/oauth/token/", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_key: "ck_demo",
        client_secret: "wrong-secret-xyz",
        merchant_id: MERCHANT,
        grant_type: "access_token",
      }).toString(),
    });
    const qr = await t.qr(o.built.shopOrderId);
    await t.query(access_token, { merchant_id: MERCHANT, third_shop_id: SHOP_1, qr_info: qr });
    await t.query(access_token, { merchant_id: MERCHANT, third_shop_id: SHOP_1, code_list: o.built.codes });
    await t.redeem(
      access_token,
      {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: o.built.shopOrderId,
        code_list: o.built.codes,
        locale: "en-US",
      },
      "idem-1",
    );
    await t.query(access_token, { merchant_id: MERCHANT, third_shop_id: SHOP_1, qr_info: `${qr}x` });
    await t.postJson("/v2/localservice/saas/fulfill/redeem_code/", "not json", {
      authorization: `Bearer ${access_token}`,
    });
    await t.request("/v2/localservice/saas/fulfill/redeem_code/", {
      method: "POST",
      headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" },
      body: "{bad",
    });
    await t.fault("redeem.voucher_read", 1);
    await t.redeem(access_token, {
      merchant_id: MERCHANT,
      third_shop_id: SHOP_1,
      shop_order_id: o.built.shopOrderId,
      code_list: o.built.codes,
      locale: "en-US",
    });
    await new Promise((r) => setTimeout(r, 200));

    expect(lines.length).toBeGreaterThan(10);
    const secrets = [
      "cs_super_secret_value_123",
      "wrong-secret-xyz",
      access_token,
      refresh_token,
      OPERATOR_TOKEN,
      qrKey,
      Buffer.from(qrKey, "base64").toString("hex"),
      qr.slice(3, 40),
      ...o.built.codes,
    ];
    for (const line of lines) {
      for (const secret of secrets) {
        expect(line.includes(secret), `a log line holds a secret: ${line.slice(0, 300)}`).toBe(false);
      }
    }
    // every request line carries its log id
    const requestLines = lines.filter((l) => l.includes('"req"') || l.includes('"res"'));
    expect(requestLines.length).toBeGreaterThan(0);
    for (const l of requestLines) expect(l).toMatch(/"log_id":"\d{14}[0-9A-F]{20}"/);
  });
});
