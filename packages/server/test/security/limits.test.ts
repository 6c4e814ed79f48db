/**
 * Security headers, request limits and slow clients: the API answers every request with its
 * security headers; oversized headers are refused; a client that never finishes its request is
 * cut off; a body over 64 KB is the schema row.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { MERCHANT, SHOP_1 } from "../support/world.js";

describe("limits and headers", () => {
  let t: TestServer;
  beforeAll(async () => {
    const [database] = testDatabases();
    if (!database) throw new Error("no database");
    t = await startTestServer(database);
    await t.world({
      apps: [{ client_key: "ck_demo", client_secret: "cs_demo", name: "Demo", webhook_url: null }],
      merchants: [
        {
          merchant_id: MERCHANT,
          name: "M",
          country: "ID",
          timezone: "Asia/Jakarta",
          shops: [{ shop_id: "7100000000000000001", third_shop_id: SHOP_1, name: "S" }],
          grants: [
            {
              client_key: "ck_demo",
              scopes: ["localservice.fulfill.query", "localservice.fulfill.redeem"],
              third_shop_ids: [],
            },
          ],
        },
      ],
    });
  });
  afterAll(async () => t?.close());

  it("security headers on success, error and unknown routes", async () => {
    const token = await t.token();
    for (const res of [
      await t.request("/healthz"),
      await t.query(token, { merchant_id: MERCHANT, third_shop_id: SHOP_1, code_list: ["000000000000"] }),
      await t.request("/nope"),
    ]) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(res.headers.get("x-tt-logid")).toMatch(/^\d{14}[0-9A-F]{20}$/);
    }
  });

  it("a body over 64 KB is the schema row, and the server stays up", async () => {
    const token = await t.token();
    const res = await t.query(token, {
      merchant_id: MERCHANT,
      third_shop_id: SHOP_1,
      code_list: ["1"],
      pad: "x".repeat(70 * 1024),
    });
    expect(res.status).toBe(500);
    expect(res.json.error).toMatchObject({ code: "-9990001", message: "FulfillParamInvalid" });
    expect((await t.request("/healthz")).status).toBe(200);
  });

  it("headers over 16 KB are refused", async () => {
    const res = await fetch(`${t.url}/healthz`, { headers: { "x-big": "y".repeat(20 * 1024) } }).catch(
      () => null,
    );
    expect(res === null || res.status === 431).toBe(true);
  });

  it("a client that never finishes its request is cut off", { timeout: 30_000 }, async () => {
    const port = Number(new URL(t.url).port);
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.write(
          "POST /v2/localservice/saas/fulfill/get_code_item_list/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        );
      });
      socket.on("data", () => undefined);
      socket.on("close", () => resolve(Date.now() - started));
      socket.on("error", () => undefined);
    });
    expect(closedAfter).toBeGreaterThanOrEqual(9_000);
    expect(closedAfter).toBeLessThan(25_000);
    expect((await t.request("/healthz")).status).toBe(200);
  });
});
