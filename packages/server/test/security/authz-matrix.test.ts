/**
 * The authorization matrix: every SaaS endpoint × {no token, expired, revoked grant, other
 * merchant, other shop, missing scope, operator token}, and the operator routes × {no token,
 * SaaS token}. Each cell asserts its documented answer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";
import {
  baseWorld,
  MERCHANT,
  NOW,
  OTHER_MERCHANT,
  order,
  product,
  SHOP_1,
  SHOP_2,
} from "../support/world.js";

const P = "7200000000000000401";
const QUERY_SCOPE = "localservice.fulfill.query";
const REDEEM_SCOPE = "localservice.fulfill.redeem";

interface Endpoint {
  name: string;
  path: string;
  scope: string;
  body: (merchantId: string, thirdShopId: string) => Record<string, unknown>;
  /** rows for: wrong merchant or missing scope; shop not allowed */
  noScope: [string, string];
  noShop: [string, string] | null;
}

for (const database of testDatabases()) {
  describe(`authorization matrix on ${database.name}`, () => {
    let t: TestServer;
    const tokens: Record<string, string> = {};
    const world = baseWorld();
    world.products = [product(P)];
    const o = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
    world.orders = [o.order];
    const endpoints: Endpoint[] = [
      {
        name: "get_code_item_list",
        path: "/v2/localservice/saas/fulfill/get_code_item_list/",
        scope: QUERY_SCOPE,
        body: (m, s) => ({ merchant_id: m, third_shop_id: s, code_list: o.built.codes }),
        noScope: ["-3000000", "FulfillVerifierNoScanPermission"],
        noShop: ["-3000000", "FulfillVerifierNoShopPermission"],
      },
      {
        name: "redeem_code",
        path: "/v2/localservice/saas/fulfill/redeem_code/",
        scope: REDEEM_SCOPE,
        body: (m, s) => ({
          merchant_id: m,
          third_shop_id: s,
          shop_order_id: o.built.shopOrderId,
          code_list: o.built.codes,
          locale: "en-US",
        }),
        noScope: ["-3000000", "FulfillVerifierNoRedeemPermission"],
        noShop: ["-3000000", "FulfillVerifierNoShopPermission"],
      },
      {
        name: "cancel_redeem",
        path: "/v2/localservice/saas/fulfill/cancel_redeem/",
        scope: REDEEM_SCOPE,
        body: (m, s) => ({ merchant_id: m, third_shop_id: s, redeem_id: "1", locale: "en-US" }),
        noScope: ["-3000000", "FulfillVerifierNoRedeemPermission"],
        noShop: ["-3000000", "FulfillVerifierNoShopPermission"],
      },
      {
        name: "query_redeem_record",
        path: "/v2/localservice/saas/fulfill/query_redeem_record/",
        scope: REDEEM_SCOPE,
        body: (m, s) => ({
          merchant_id: m,
          third_shop_id: s,
          start_time: 0,
          end_time: NOW + 10,
          cursor: "0",
          size: 10,
        }),
        noScope: ["-3000000", "FulfillVerifierNoRedeemPermission"],
        noShop: ["-3000000", "FulfillVerifierNoShopPermission"],
      },
    ];

    beforeAll(async () => {
      t = await startTestServer(database);
      world.apps = [
        ...(world.apps ?? []),
        { client_key: "ck_query_only", client_secret: "cs_q", name: "Query only", webhook_url: null },
        { client_key: "ck_redeem_only", client_secret: "cs_r", name: "Redeem only", webhook_url: null },
        { client_key: "ck_shop2", client_secret: "cs_s2", name: "Shop 2 only", webhook_url: null },
        { client_key: "ck_revoked", client_secret: "cs_x", name: "Revoked", webhook_url: null },
      ];
      const m = world.merchants?.[0];
      m?.grants?.push(
        { client_key: "ck_query_only", scopes: [QUERY_SCOPE], third_shop_ids: [] },
        { client_key: "ck_redeem_only", scopes: [REDEEM_SCOPE], third_shop_ids: [] },
        { client_key: "ck_shop2", scopes: [QUERY_SCOPE, REDEEM_SCOPE], third_shop_ids: [SHOP_2] },
        { client_key: "ck_revoked", scopes: [QUERY_SCOPE, REDEEM_SCOPE], third_shop_ids: [] },
      );
      world.merchants?.[1]?.grants?.push({
        client_key: "ck_demo",
        scopes: [QUERY_SCOPE, REDEEM_SCOPE],
        third_shop_ids: [],
      });
      expect((await t.world(world)).status).toBe(200);
      await t.clock(NOW);
      tokens.full = await t.token();
      tokens.query = await t.token({ clientKey: "ck_query_only", clientSecret: "cs_q" });
      tokens.redeem = await t.token({ clientKey: "ck_redeem_only", clientSecret: "cs_r" });
      tokens.shop2 = await t.token({ clientKey: "ck_shop2", clientSecret: "cs_s2" });
      tokens.revoked = await t.token({ clientKey: "ck_revoked", clientSecret: "cs_x" });
      tokens.otherMerchant = await t.token({ merchantId: OTHER_MERCHANT });
      await t.clock(NOW - 200 * 3600);
      tokens.expired = await t.token();
      await t.clock(NOW);
      expect((await t.operator("DELETE", `/platform/merchants/${MERCHANT}/grants/ck_revoked`)).status).toBe(
        200,
      );
    });
    afterAll(async () => t?.close());

    const call = (e: Endpoint, token: string | null, merchantId = MERCHANT, shop = SHOP_1) =>
      t.postJson(e.path, e.body(merchantId, shop), token ? { authorization: `Bearer ${token}` } : {});

    const expect401 = (res: Awaited<ReturnType<typeof call>>) => {
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe("access_token_invalid");
      expect(res.json.error.log_id).toBe(res.headers.get("x-tt-logid"));
    };
    const expectRow = (res: Awaited<ReturnType<typeof call>>, [code, message]: [string, string]) => {
      expect(res.status).toBe(500);
      expect(res.json.error).toMatchObject({ code, message });
    };

    for (const e of endpoints) {
      it(`${e.name}: no token, garbage token, expired, revoked grant, operator token → 401`, async () => {
        expect401(await call(e, null));
        expect401(await call(e, "mat.not-a-token"));
        expect401(await call(e, tokens.expired as string));
        expect401(await call(e, tokens.revoked as string));
        expect401(await call(e, OPERATOR_TOKEN));
      });

      it(`${e.name}: another merchant's id in the body, or a missing scope → ${e.noScope[1]}`, async () => {
        expectRow(await call(e, tokens.full as string, OTHER_MERCHANT), e.noScope);
        expectRow(await call(e, tokens.otherMerchant as string, MERCHANT), e.noScope);
        expectRow(
          await call(e, (e.scope === QUERY_SCOPE ? tokens.redeem : tokens.query) as string),
          e.noScope,
        );
      });

      it(`${e.name}: a shop of another merchant, an unknown shop, a shop outside the grant → shop row`, async () => {
        expectRow(await call(e, tokens.full as string, MERCHANT, "O-001"), e.noShop as [string, string]);
        expectRow(await call(e, tokens.full as string, MERCHANT, "S-404"), e.noShop as [string, string]);
        expectRow(await call(e, tokens.shop2 as string, MERCHANT, SHOP_1), e.noShop as [string, string]);
      });
    }

    it("the right token reaches every endpoint (the matrix is not vacuous)", async () => {
      for (const e of endpoints) {
        const res = await call(e, tokens.full as string);
        expect(res.status, e.name).not.toBe(401);
        expect(res.json.error.message, e.name).not.toMatch(/Permission/);
      }
    });

    it("operator routes: no token or a SaaS token → 401; the operator token passes", async () => {
      const routes: [string, string, unknown][] = [
        ["GET", "/sandbox/faults", undefined],
        ["POST", "/sandbox/clock", { now: NOW }],
        ["POST", "/sandbox/world", {}],
        ["POST", "/platform/orders", { merchant_id: MERCHANT, product_id: P, user_id: "1", quantity: 1 }],
        ["GET", `/platform/orders/${o.built.shopOrderId}`, undefined],
        ["GET", "/platform/logs/20260101000000AAAAAAAAAAAAAAAAAAAA", undefined],
        ["POST", "/platform/holidays", { country: "ID", date: "2026-12-31", name: "Eve" }],
      ];
      for (const [method, path, body] of routes) {
        const headers: Record<string, string> =
          body !== undefined ? { "content-type": "application/json" } : {};
        const init = { method, headers, body: body !== undefined ? JSON.stringify(body) : undefined };
        expect401(await t.request(path, init));
        expect401(
          await t.request(path, {
            ...init,
            headers: { ...init.headers, authorization: `Bearer ${tokens.full}` },
          }),
        );
        const ok = await t.operator(method, path, body);
        expect([200, 404], `${method} ${path}`).toContain(ok.status);
      }
    });
  });
}
