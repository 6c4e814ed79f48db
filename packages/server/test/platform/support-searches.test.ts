/**
 * Support's searches over HTTP, on every test database: redemptions found by code, shop order,
 * shop and time (a cancelled one with its state and cancel time), paged newest first by cursor,
 * bad input refused; the after-sales queue with open requests first, by state, paged by cursor.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANCEL_PATH } from "../../src/http/saas-routes.js";
import { testDatabases } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import {
  baseWorld,
  MERCHANT,
  NOW,
  order,
  product,
  SHOP_1,
  SHOP_2,
  SHOP_ID_1,
  SHOP_ID_2,
} from "../support/world.js";

const P = "7200000000000001901";
const unused = () => order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });

interface Found {
  redeem_id: string;
  shop_order_id: string;
  merchant_id: string;
  shop_id: string;
  third_shop_id: string;
  codes: string[];
  redeem_time: number;
  state: string;
  cancel_time: number | null;
}

for (const database of testDatabases()) {
  describe(`support's searches on ${database.name}`, () => {
    let t: TestServer;
    let token: string;
    // Five redemptions, a minute apart: at shop 1, 2, 1, 2, 1; the third one cancelled.
    const redeemed = [unused(), unused(), unused(), unused(), unused()];
    const refunds = [unused(), unused(), unused(), unused(), unused()];
    const redemptions: { redeemId: string; time: number; shopId: string; thirdShopId: string }[] = [];
    const afterSales: string[] = [];

    beforeAll(async () => {
      t = await startTestServer(database);
      const world = baseWorld();
      world.products = [product(P, { applicable_third_shop_ids: [SHOP_1, SHOP_2] })];
      world.orders = [...redeemed, ...refunds].map((o) => o.order);
      expect((await t.world(world)).status).toBe(200);
      token = await t.token();
      for (const [i, o] of redeemed.entries()) {
        const time = NOW + 60 * i;
        await t.clock(time);
        const shop = i % 2 === 0 ? SHOP_1 : SHOP_2;
        const res = await t.redeem(token, {
          merchant_id: MERCHANT,
          third_shop_id: shop,
          shop_order_id: o.built.shopOrderId,
          code_list: o.built.codes,
          locale: "en-US",
        });
        expect(res.json.error.code, res.text).toBe("0");
        redemptions.push({
          redeemId: res.json.data.redeem_id,
          time,
          shopId: i % 2 === 0 ? SHOP_ID_1 : SHOP_ID_2,
          thirdShopId: shop,
        });
      }
      await t.clock(NOW + 600);
      const cancelled = await t.postJson(
        CANCEL_PATH,
        { merchant_id: MERCHANT, third_shop_id: SHOP_1, redeem_id: redemptions[2]?.redeemId },
        { authorization: `Bearer ${token}` },
      );
      expect(cancelled.json.error.code, cancelled.text).toBe("0");
      for (const o of refunds) {
        const res = await t.operator("POST", "/platform/after-sales", {
          merchant_id: MERCHANT,
          shop_order_id: o.built.shopOrderId,
          item_order_ids: o.built.itemIds,
        });
        expect(res.status, res.text).toBe(200);
        afterSales.push(res.json.data.after_sale_order_id);
      }
      // The first approved, the third closed: three stay open.
      const settle = async (id: string | undefined, verb: string) =>
        expect(
          (await t.operator("POST", `/platform/after-sales/${id}/${verb}`, { merchant_id: MERCHANT })).status,
        ).toBe(200);
      await settle(afterSales[0], "approve");
      await settle(afterSales[2], "close");
    });

    afterAll(async () => {
      await t?.close();
    });

    async function search(query: string) {
      const res = await t.operator("GET", `/platform/redemptions?${query}`);
      expect(res.status, res.text).toBe(200);
      return res.json.data as { redemptions: Found[]; has_more: boolean; cursor: string | null };
    }
    const ids = (list: Found[]) => list.map((r) => r.redeem_id);
    const rid = (i: number) => redemptions[i]?.redeemId as string;

    it("by code: that redemption, with its order, shop, time and state", async () => {
      const o = redeemed[1] as (typeof redeemed)[number];
      const found = await search(`code=${o.built.codes[0]}`);
      expect(found).toEqual({
        redemptions: [
          {
            redeem_id: rid(1),
            shop_order_id: o.built.shopOrderId,
            merchant_id: MERCHANT,
            shop_id: SHOP_ID_2,
            third_shop_id: SHOP_2,
            app_id: expect.stringMatching(/^\d+$/),
            codes: o.built.codes,
            item_order_ids: o.built.itemIds,
            redeem_time: NOW + 60,
            state: "REDEEMED",
            cancel_time: null,
          },
        ],
        has_more: false,
        cursor: null,
      });
      // A code never redeemed, or unknown, finds nothing.
      expect((await search(`code=${refunds[0]?.built.codes[0]}`)).redemptions).toEqual([]);
      expect((await search("code=000000000000")).redemptions).toEqual([]);
    });

    it("a cancelled redemption says so, with its cancel time", async () => {
      const found = await search(`code=${redeemed[2]?.built.codes[0]}`);
      expect(found.redemptions).toHaveLength(1);
      expect(found.redemptions[0]).toMatchObject({
        redeem_id: rid(2),
        state: "CANCELLED",
        cancel_time: NOW + 600,
      });
    });

    it("by shop order, by shop, by time; filters combine", async () => {
      expect(ids((await search(`shop_order_id=${redeemed[3]?.built.shopOrderId}`)).redemptions)).toEqual([
        rid(3),
      ]);
      expect(ids((await search(`shop_id=${SHOP_ID_1}`)).redemptions)).toEqual([rid(4), rid(2), rid(0)]);
      expect(ids((await search(`shop_id=${SHOP_ID_2}`)).redemptions)).toEqual([rid(3), rid(1)]);
      // from inclusive, to exclusive.
      expect(ids((await search(`from=${NOW + 60}&to=${NOW + 180}`)).redemptions)).toEqual([rid(2), rid(1)]);
      expect(ids((await search(`from=${NOW + 240}`)).redemptions)).toEqual([rid(4)]);
      expect(ids((await search(`to=${NOW + 60}`)).redemptions)).toEqual([rid(0)]);
      expect(ids((await search(`shop_id=${SHOP_ID_1}&from=${NOW + 60}`)).redemptions)).toEqual([
        rid(4),
        rid(2),
      ]);
      expect((await search(`shop_id=${SHOP_ID_2}&code=${redeemed[0]?.built.codes[0]}`)).redemptions).toEqual(
        [],
      );
    });

    it("pages newest first by cursor", async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await search(`from=${NOW}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
        seen.push(...ids(page.redemptions));
        expect(page.has_more).toBe(page.cursor !== null);
        cursor = page.cursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual([rid(4), rid(3), rid(2), rid(1), rid(0)]);
    });

    it("bad input answers invalid_params: no filter, an empty time range, a bad id, cursor or limit", async () => {
      for (const query of [
        "",
        "limit=5",
        `from=${NOW + 60}&to=${NOW + 60}`,
        "shop_id=S-001",
        "shop_order_id=-1",
        "from=yesterday",
        `from=${NOW}&cursor=zzz`,
        `from=${NOW}&limit=0`,
        `from=${NOW}&limit=500`,
      ]) {
        const res = await t.operator("GET", `/platform/redemptions?${query}`);
        expect(res.status, query).toBe(400);
        expect(res.json.error.code, query).toBe("invalid_params");
      }
      expect((await t.request(`/platform/redemptions?from=${NOW}`)).status).toBe(401);
    });

    async function queue(query = "") {
      const res = await t.operator("GET", `/platform/after-sales${query}`);
      expect(res.status, res.text).toBe(200);
      return res.json.data as {
        after_sales: { after_sale_order_id: string; merchant_id: string; status: string }[];
        has_more: boolean;
        cursor: string | null;
      };
    }

    it("the after-sales queue: open requests first, oldest first, then the settled ones; by state", async () => {
      const [a0, a1, a2, a3, a4] = afterSales;
      const all = await queue();
      expect(all.after_sales.map((a) => [a.after_sale_order_id, a.status])).toEqual([
        [a1, "PROCESSING"],
        [a3, "PROCESSING"],
        [a4, "PROCESSING"],
        [a0, "SUCCESS"],
        [a2, "CLOSED"],
      ]);
      expect(all.after_sales.every((a) => a.merchant_id === MERCHANT)).toBe(true);
      expect(all.has_more).toBe(false);
      expect((await queue("?state=open")).after_sales.map((a) => a.after_sale_order_id)).toEqual([
        a1,
        a3,
        a4,
      ]);
      expect((await queue("?state=approved")).after_sales.map((a) => a.after_sale_order_id)).toEqual([a0]);
      expect((await queue("?state=closed")).after_sales.map((a) => a.after_sale_order_id)).toEqual([a2]);
    });

    it("the queue pages by cursor, across the open and settled groups", async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await queue(`?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
        expect(page.after_sales.length).toBeLessThanOrEqual(2);
        seen.push(...page.after_sales.map((a) => a.after_sale_order_id));
        cursor = page.cursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      const [a0, a1, a2, a3, a4] = afterSales;
      expect(seen).toEqual([a1, a3, a4, a0, a2]);
      const open = await queue("?state=open&limit=2");
      expect(open.has_more).toBe(true);
      const rest = await queue(`?state=open&limit=2&cursor=${open.cursor}`);
      expect(rest.after_sales.map((a) => a.after_sale_order_id)).toEqual([a4]);
      for (const query of ["?state=OPEN", "?cursor=3.1", "?cursor=x", "?limit=0"]) {
        const res = await t.operator("GET", `/platform/after-sales${query}`);
        expect(res.status, query).toBe(400);
        expect(res.json.error.code, query).toBe("invalid_params");
      }
      expect((await t.request("/platform/after-sales")).status).toBe(401);
    });
  });
}
