/**
 * The operator's directory reads (issue 17, Merchants): merchants, one merchant with its counts,
 * its shops, the apps (never a secret), its grants; each paged by id with `limit` (1..100) and
 * `cursor`; the operator token required (a SaaS app's token refused); bad input answered
 * invalid_params, an unknown merchant not_found.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { errorOf, startTestServer, type TestServer } from "../support/server.js";
import {
  baseWorld,
  MERCHANT,
  OTHER_MERCHANT,
  SHOP_1,
  SHOP_2,
  SHOP_ID_1,
  SHOP_ID_2,
} from "../support/world.js";

const SECRET = "cs_directory_test_secret_0123456789abcdef";
/** Merchants created here: 8 more than the base world's 2 (ids sort after theirs). */
const EXTRA = Array.from({ length: 8 }, (_, i) => `70000000000000001${String(i).padStart(2, "0")}`);
const QUERY_SCOPE = "localservice.fulfill.query";

for (const database of testDatabases()) {
  describe(`the platform directory on ${database.name}`, () => {
    let t: TestServer;

    beforeAll(async () => {
      t = await startTestServer(database);
      expect((await t.world(baseWorld())).status).toBe(200);
      for (const id of EXTRA) {
        const r = await t.operator("POST", "/platform/merchants", {
          merchant_id: id,
          name: `Merchant ${id.slice(-2)}`,
          country: "ID",
          timezone: "Asia/Jakarta",
        });
        expect(r.status, r.text).toBe(200);
      }
      const app = await t.operator("POST", "/platform/apps", {
        client_key: "ck_directory",
        client_secret: SECRET,
        name: "Directory SaaS",
      });
      expect(app.status, app.text).toBe(200);
      // A POS device has an app and a grant of its own: neither is listed with the SaaS apps.
      const device = await t.operator("POST", `/platform/merchants/${MERCHANT}/devices`, {
        third_shop_id: SHOP_1,
      });
      expect(device.status, device.text).toBe(200);
    });
    afterAll(async () => {
      await t?.close();
    });

    /** Every page of a list, following the cursor. */
    async function allPages(path: string, name: string, limit: number) {
      const rows: Record<string, unknown>[] = [];
      let cursor: string | null = null;
      const sizes: number[] = [];
      for (let i = 0; i < 50; i++) {
        const sep = path.includes("?") ? "&" : "?";
        const r = await t.operator("GET", `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
        expect(r.status, r.text).toBe(200);
        rows.push(...r.json.data[name]);
        sizes.push(r.json.data[name].length);
        if (!r.json.data.has_more) {
          expect(r.json.data.cursor).toBeNull();
          return { rows, sizes };
        }
        cursor = r.json.data.cursor;
        expect(typeof cursor).toBe("string");
      }
      throw new Error("no last page");
    }

    it("GET /platform/merchants pages by id: every merchant once, in order, the last page says so", async () => {
      const { rows, sizes } = await allPages("/platform/merchants", "merchants", 3);
      const ids = rows.map((m) => m.merchant_id);
      expect(ids).toEqual([MERCHANT, OTHER_MERCHANT, ...EXTRA]);
      expect(sizes).toEqual([3, 3, 3, 1]);
      expect(rows[0]).toEqual({
        merchant_id: MERCHANT,
        name: "Kopi Nusantara",
        country: "ID",
        timezone: "Asia/Jakarta",
      });
      // The default page holds all ten; a page of exactly the rest has no next page.
      const all = await t.operator("GET", "/platform/merchants");
      expect(all.json.data.merchants).toHaveLength(10);
      expect(all.json.data).toMatchObject({ has_more: false, cursor: null });
      const rest = await t.operator("GET", `/platform/merchants?limit=2&cursor=${EXTRA[5]}`);
      expect(rest.json.data.merchants.map((m: { merchant_id: string }) => m.merchant_id)).toEqual(
        EXTRA.slice(6),
      );
      expect(rest.json.data).toMatchObject({ has_more: false, cursor: null });
    });

    it("GET /platform/merchants/:id: the merchant with its shop and grant counts; unknown is not_found", async () => {
      const one = await t.operator("GET", `/platform/merchants/${MERCHANT}`);
      expect(one.status, one.text).toBe(200);
      // The device's own grant is not counted.
      expect(one.json.data).toEqual({
        merchant_id: MERCHANT,
        name: "Kopi Nusantara",
        country: "ID",
        timezone: "Asia/Jakarta",
        shop_count: 2,
        grant_count: 1,
      });
      const unknown = await t.operator("GET", "/platform/merchants/7000000000000000999");
      expect(errorOf(unknown)).toMatchObject({ status: 404, code: "not_found", message: "unknown merchant" });
    });

    it("GET /platform/merchants/:id/shops pages; a renamed shop (POST again) reads renamed", async () => {
      const { rows, sizes } = await allPages(`/platform/merchants/${MERCHANT}/shops`, "shops", 1);
      expect(sizes).toEqual([1, 1]);
      expect(rows).toEqual([
        { shop_id: SHOP_ID_1, merchant_id: MERCHANT, third_shop_id: SHOP_1, name: "Sudirman" },
        { shop_id: SHOP_ID_2, merchant_id: MERCHANT, third_shop_id: SHOP_2, name: "Kemang" },
      ]);
      const renamed = await t.operator("POST", `/platform/merchants/${MERCHANT}/shops`, {
        shop_id: SHOP_ID_2,
        third_shop_id: SHOP_2,
        name: "Kemang Raya",
      });
      expect(renamed.status, renamed.text).toBe(200);
      const after = await t.operator("GET", `/platform/merchants/${MERCHANT}/shops?cursor=${SHOP_ID_1}`);
      expect(after.json.data.shops).toEqual([
        { shop_id: SHOP_ID_2, merchant_id: MERCHANT, third_shop_id: SHOP_2, name: "Kemang Raya" },
      ]);
      expect(errorOf(await t.operator("GET", "/platform/merchants/7000000000000000999/shops"))).toMatchObject(
        {
          status: 404,
          code: "not_found",
        },
      );
    });

    it("GET /platform/apps pages the SaaS apps, never a secret nor a device's own app", async () => {
      const first = await t.operator("GET", "/platform/apps?limit=1");
      expect(first.status, first.text).toBe(200);
      expect(first.json.data.apps).toHaveLength(1);
      expect(first.json.data.has_more).toBe(true);
      const { rows } = await allPages("/platform/apps", "apps", 1);
      expect(rows.map((a) => a.client_key)).toEqual(["ck_demo", "ck_directory"]);
      expect(rows[1]).toMatchObject({
        client_key: "ck_directory",
        name: "Directory SaaS",
        webhook_url: null,
      });
      expect(Object.keys(rows[1] ?? {}).sort()).toEqual([
        "app_id",
        "client_key",
        "create_time",
        "name",
        "webhook_url",
      ]);
      const text = (await t.operator("GET", "/platform/apps?limit=100")).text;
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain("cs_demo");
      expect(text).not.toContain("secret");
    });

    it("GET /platform/merchants/:id/grants: create, narrow and revoke read back as they were written", async () => {
      const grants = (limit = 100) =>
        t.operator("GET", `/platform/merchants/${MERCHANT}/grants?limit=${limit}`);
      const before = await grants();
      expect(before.status, before.text).toBe(200);
      expect(before.json.data.grants.map((g: { client_key: string }) => g.client_key)).toEqual(["ck_demo"]);
      const put = await t.operator("PUT", `/platform/merchants/${MERCHANT}/grants/ck_directory`, {
        scopes: [QUERY_SCOPE, "localservice.fulfill.redeem"],
        third_shop_ids: [SHOP_1, SHOP_2],
      });
      expect(put.status, put.text).toBe(200);
      const page1 = await grants(1);
      expect(page1.json.data).toMatchObject({ has_more: true });
      const page2 = await t.operator(
        "GET",
        `/platform/merchants/${MERCHANT}/grants?limit=1&cursor=${page1.json.data.cursor}`,
      );
      expect(page2.json.data.has_more).toBe(false);
      const created = page2.json.data.grants[0];
      expect(created).toMatchObject({
        client_key: "ck_directory",
        app_name: "Directory SaaS",
        scopes: [QUERY_SCOPE, "localservice.fulfill.redeem"],
        third_shop_ids: [SHOP_1, SHOP_2],
        status: "ACTIVE",
        revoke_time: null,
      });
      // Narrow: fewer scopes and shops.
      await t.operator("PUT", `/platform/merchants/${MERCHANT}/grants/ck_directory`, {
        scopes: [QUERY_SCOPE],
        third_shop_ids: [SHOP_1],
      });
      const narrowed = (await grants()).json.data.grants[1];
      expect(narrowed).toMatchObject({ scopes: [QUERY_SCOPE], third_shop_ids: [SHOP_1], status: "ACTIVE" });
      expect(narrowed.version).toBeGreaterThan(created.version);
      expect((await t.operator("DELETE", `/platform/merchants/${MERCHANT}/grants/ck_directory`)).status).toBe(
        200,
      );
      const revoked = (await grants()).json.data.grants[1];
      expect(revoked).toMatchObject({ client_key: "ck_directory", status: "REVOKED" });
      expect(typeof revoked.revoke_time).toBe("number");
      expect((await t.operator("GET", `/platform/merchants/${MERCHANT}`)).json.data.grant_count).toBe(1);
      expect(
        errorOf(await t.operator("GET", "/platform/merchants/7000000000000000999/grants")),
      ).toMatchObject({
        status: 404,
        code: "not_found",
      });
    });

    it("the operator token is required: none, a wrong one and a SaaS app's token are refused", async () => {
      const saas = await t.token();
      const paths = [
        "/platform/merchants",
        `/platform/merchants/${MERCHANT}`,
        `/platform/merchants/${MERCHANT}/shops`,
        `/platform/merchants/${MERCHANT}/grants`,
        "/platform/apps",
      ];
      for (const path of paths) {
        const callers: Record<string, string>[] = [
          {},
          { authorization: "Bearer op_wrong_token_000000000000000000" },
          { authorization: `Bearer ${saas}` },
        ];
        for (const headers of callers) {
          const r = await t.request(path, { headers });
          expect(errorOf(r), `${path} ${JSON.stringify(headers).slice(0, 30)}`).toMatchObject({
            status: 401,
            code: "access_token_invalid",
          });
          expect(r.text).not.toContain("Kopi");
        }
      }
    });

    it("bad input is invalid_params: limit 0, 101 or text, a cursor or merchant id that is not an id", async () => {
      for (const path of [
        "/platform/merchants?limit=0",
        "/platform/merchants?limit=101",
        "/platform/merchants?limit=ten",
        "/platform/merchants?cursor=abc",
        "/platform/merchants?cursor=99999999999999999999",
        "/platform/apps?limit=-1",
        "/platform/apps?cursor=1.2",
        `/platform/merchants/${MERCHANT}/shops?limit=1000`,
        `/platform/merchants/${MERCHANT}/grants?cursor=x`,
        "/platform/merchants/not-an-id",
        "/platform/merchants/9223372036854775808/shops",
      ]) {
        const r = await t.operator("GET", path);
        expect(errorOf(r), path).toMatchObject({ status: 400, code: "invalid_params" });
      }
      // The largest limit is allowed.
      expect((await t.operator("GET", "/platform/merchants?limit=100")).status).toBe(200);
    });

    it("/openapi.json documents the five reads with their paging parameters", async () => {
      const doc = (await t.request("/openapi.json")).json;
      const ops = [
        ["/platform/merchants", "listMerchants"],
        ["/platform/merchants/{merchant_id}", "getMerchant"],
        ["/platform/merchants/{merchant_id}/shops", "listShops"],
        ["/platform/merchants/{merchant_id}/grants", "listGrants"],
        ["/platform/apps", "listApps"],
      ];
      for (const [path, id] of ops) {
        const op = doc.paths[path as string]?.get;
        expect(op?.operationId, path).toBe(id);
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["200", "400", "401"]));
        if (id !== "getMerchant")
          expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(
            expect.arrayContaining(["limit", "cursor"]),
          );
      }
      expect(JSON.stringify(doc.paths["/platform/apps"].get.responses["200"])).not.toContain("client_secret");
    });
  });
}
