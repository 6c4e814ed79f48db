/**
 * The operator audit over HTTP, on every test database: writes of several kinds (sandbox clock,
 * grant edit, a refused grant revoke, app create with its secret, refund request, approve and a
 * refused second approve) are each one entry with the exact time (injected real clock), the
 * client address behind a trusted proxy, the method, route, path ids, answer row and log id;
 * reads and refused tokens are not entries; no body (secret) is kept; newest first, paged by
 * cursor, filtered by route; bad input and a missing token answer their errors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, NOW, order, product } from "../support/world.js";

const P = "7200000000000001801";
/** The injected real clock runs this far ahead of the machine's: the audit's time is the clock's. */
const AHEAD_MS = 400 * 86_400_000;
const CLIENT = "203.0.113.7";
const APP_SECRET = "cs_audit_app_secret_000000000000000001";

for (const database of testDatabases()) {
  describe(`the operator audit on ${database.name}`, () => {
    let t: TestServer;
    const refund = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });

    beforeAll(async () => {
      t = await startTestServer(
        database,
        { trustProxy: ["127.0.0.1"] },
        { realClock: { nowMs: () => Date.now() + AHEAD_MS } },
      );
      const world = baseWorld();
      world.products = [product(P)];
      world.orders = [refund.order];
      expect((await t.world(world)).status).toBe(200);
    });

    afterAll(async () => {
      await t?.close();
    });

    /** An operator request from CLIENT (as a trusted proxy forwards it). */
    async function write(method: string, path: string, body?: unknown) {
      const before = Math.floor((Date.now() + AHEAD_MS) / 1000);
      const res = await t.request(path, {
        method,
        headers: {
          authorization: `Bearer ${OPERATOR_TOKEN}`,
          "x-forwarded-for": CLIENT,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const after = Math.floor((Date.now() + AHEAD_MS) / 1000);
      return { res, logId: res.headers.get("x-tt-logid") as string, before, after };
    }

    async function audit(query = "") {
      const res = await t.operator("GET", `/platform/audit${query}`);
      expect(res.status, res.text).toBe(200);
      return res.json.data as {
        audit: {
          audit_id: string;
          at: number;
          log_id: string;
          client_address: string;
          method: string;
          route: string;
          target: Record<string, string>;
          outcome: { row: string; code: string; message: string; http_status: number };
        }[];
        has_more: boolean;
        cursor: string | null;
      };
    }

    it("records each write with time, client address, method, route, target ids, answer row and log id", async () => {
      const start = (await audit()).audit.length;
      const clock = await write("POST", "/sandbox/clock", { now: NOW });
      expect(clock.res.status).toBe(200);
      const grant = await write("PUT", `/platform/merchants/${MERCHANT}/grants/ck_demo`, {
        scopes: ["localservice.fulfill.query", "localservice.fulfill.redeem"],
      });
      expect(grant.res.status, grant.res.text).toBe(200);
      const revoke = await write("DELETE", `/platform/merchants/${MERCHANT}/grants/ck_nobody`);
      expect(revoke.res.status).toBe(404);
      const requested = await write("POST", "/platform/after-sales", {
        merchant_id: MERCHANT,
        shop_order_id: refund.built.shopOrderId,
        item_order_ids: refund.built.itemIds,
      });
      expect(requested.res.status, requested.res.text).toBe(200);
      const id = requested.res.json.data.after_sale_order_id as string;
      const approve = await write("POST", `/platform/after-sales/${id}/approve`, { merchant_id: MERCHANT });
      expect(approve.res.status).toBe(200);
      const again = await write("POST", `/platform/after-sales/${id}/approve`, { merchant_id: MERCHANT });
      expect(again.res.status).toBe(400);

      const page = await audit();
      expect(page.audit.length).toBe(start + 6);
      const [e6, e5, e4, e3, e2, e1] = page.audit;
      const expected = [
        [e1, clock, "POST", "/sandbox/clock", {}, ["OK", "0", "success", 200]],
        [
          e2,
          grant,
          "PUT",
          "/platform/merchants/:merchant_id/grants/:client_key",
          { merchant_id: MERCHANT, client_key: "ck_demo" },
          ["OK", "0", "success", 200],
        ],
        [
          e3,
          revoke,
          "DELETE",
          "/platform/merchants/:merchant_id/grants/:client_key",
          { merchant_id: MERCHANT, client_key: "ck_nobody" },
          ["not_found", "not_found", "No such resource.", 404],
        ],
        [e4, requested, "POST", "/platform/after-sales", {}, ["OK", "0", "success", 200]],
        [
          e5,
          approve,
          "POST",
          "/platform/after-sales/:after_sale_order_id/approve",
          { after_sale_order_id: id },
          ["OK", "0", "success", 200],
        ],
        [
          e6,
          again,
          "POST",
          "/platform/after-sales/:after_sale_order_id/approve",
          { after_sale_order_id: id },
          ["invalid_params", "invalid_params", "The request is malformed.", 400],
        ],
      ] as const;
      for (const [entry, w, method, route, target, [row, code, message, status]] of expected) {
        expect(entry).toEqual({
          audit_id: expect.stringMatching(/^[1-9][0-9]*$/),
          at: expect.any(Number),
          log_id: w.logId,
          client_address: CLIENT,
          method,
          route,
          target,
          outcome: { row, code, message, http_status: status },
        });
        // The injected real clock's time (400 days ahead of the machine's), not the machine's.
        expect(entry?.at).toBeGreaterThanOrEqual(w.before);
        expect(entry?.at).toBeLessThanOrEqual(w.after);
      }
      // Newest first: ids fall down the page.
      const ids = page.audit.map((e) => BigInt(e.audit_id));
      expect([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(ids);
    });

    it("keeps no body: an app created with its secret leaves only route and answer", async () => {
      const created = await write("POST", "/platform/apps", {
        client_key: "ck_audited",
        client_secret: APP_SECRET,
        name: "Audited",
      });
      expect(created.res.status, created.res.text).toBe(200);
      const res = await t.operator("GET", "/platform/audit?limit=1");
      expect(res.json.data.audit[0]).toMatchObject({
        log_id: created.logId,
        route: "/platform/apps",
        target: {},
        outcome: { row: "OK" },
      });
      expect(res.text).not.toContain(APP_SECRET);
      expect(res.text).not.toContain("ck_audited");
    });

    it("reads and requests the token refused are not operator writes", async () => {
      const before = (await audit()).audit[0]?.audit_id;
      expect((await t.operator("GET", `/platform/orders/${refund.built.shopOrderId}`)).status).toBe(200);
      const wrong = await t.request("/sandbox/clock", {
        method: "POST",
        headers: {
          authorization: "Bearer not-the-operator-token-00000000000",
          "content-type": "application/json",
        },
        body: JSON.stringify({ now: NOW }),
      });
      expect(wrong.status).toBe(401);
      const none = await t.postJson("/sandbox/faults", { point: "query.product" });
      expect(none.status).toBe(401);
      expect((await audit()).audit[0]?.audit_id).toBe(before);
    });

    it("pages newest first by cursor, filters by route; a bad cursor, limit or route answers invalid_params", async () => {
      const all = (await audit("?limit=100")).audit;
      expect(all.length).toBeGreaterThanOrEqual(7);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await audit(`?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
        expect(page.audit.length).toBeLessThanOrEqual(3);
        seen.push(...page.audit.map((e) => e.audit_id));
        expect(page.has_more).toBe(page.cursor !== null);
        cursor = page.cursor;
        pages += 1;
      } while (cursor && pages < 20);
      expect(pages).toBe(Math.ceil(all.length / 3));
      expect(seen).toEqual(all.map((e) => e.audit_id));

      const approves = await audit(
        `?route=${encodeURIComponent("/platform/after-sales/:after_sale_order_id/approve")}`,
      );
      expect(approves.audit.map((e) => e.outcome.row)).toEqual(["invalid_params", "OK"]);
      expect(approves.has_more).toBe(false);
      expect(approves.cursor).toBeNull();

      for (const query of ["?cursor=abc", "?limit=0", "?limit=1000", "?cursor=1.2"]) {
        const bad = await t.operator("GET", `/platform/audit${query}`);
        expect(bad.status, query).toBe(400);
        expect(bad.json.error.code, query).toBe("invalid_params");
      }
    });

    it("needs the operator token", async () => {
      const res = await t.request("/platform/audit");
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe("access_token_invalid");
    });
  });
}
