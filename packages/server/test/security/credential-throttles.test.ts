/**
 * Failed credential attempts are throttled (issue 13 item 7): the token endpoint per
 * (client_key, address) and per address, in the OAuth shape; the operator token per address;
 * device pairing per address and per pairing code. Once a key has used its allowance even a
 * right credential waits for Retry-After. Other loopback addresses (127.0.0.2) stand for other
 * clients.
 */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, SHOP_1 } from "../support/world.js";

const ALLOWED = 3;

interface Answer {
  status: number;
  retryAfter: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  json: any;
}

/** A request from a chosen loopback source address. */
function from(
  source: string,
  url: string,
  path: string,
  init: { method: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: init.method,
        headers: init.headers ?? {},
        localAddress: source,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers["retry-after"] as string | undefined,
            json: JSON.parse(text),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

for (const database of testDatabases()) {
  describe(`credential throttles on ${database.name}`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer(database, { authFailuresPerMinute: ALLOWED });
      expect((await t.world(baseWorld())).status).toBe(200);
    }, 60_000);
    afterAll(async () => t?.close());

    const token = (source: string, clientKey: string, secret: string) =>
      from(source, t.url, "/merchant/oauth/token/", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          client_key: clientKey,
          client_secret: secret,
          merchant_id: MERCHANT,
          grant_type: "access_token",
        }).toString(),
      });

    it("token endpoint: failures per (client_key, address), then 429 in the OAuth shape", async () => {
      for (let i = 0; i < ALLOWED; i++) {
        const wrong = await token("127.0.0.3", "ck_demo", "wrong");
        expect(wrong.status).toBe(401);
        expect(wrong.json.error).toBe("invalid_client");
      }
      const throttled = await token("127.0.0.3", "ck_demo", "cs_demo");
      expect(throttled.status).toBe(429);
      expect(Number(throttled.retryAfter)).toBeGreaterThan(0);
      expect(Object.keys(throttled.json).sort()).toEqual(["error", "error_description", "log_id"]);
      expect(throttled.json.error).toBe("rate_limit_exceeded");
      // The same client from another address is not throttled.
      expect((await token("127.0.0.4", "ck_demo", "cs_demo")).status).toBe(200);
    });

    it("token endpoint: failures per address over every client_key", async () => {
      // The address gets three times the allowance of one client_key.
      for (let i = 0; i < 3 * ALLOWED; i++) {
        expect((await token("127.0.0.5", `ck_unknown_${i}`, "x")).status).toBe(401);
      }
      const throttled = await token("127.0.0.5", "ck_demo", "cs_demo");
      expect(throttled.status).toBe(429);
      expect(throttled.json.error).toBe("rate_limit_exceeded");
    });

    it("operator API: failed operator-token attempts per address", async () => {
      const alerts = (source: string, bearer: string) =>
        from(source, t.url, "/platform/alerts", {
          method: "GET",
          headers: { authorization: `Bearer ${bearer}` },
        });
      for (let i = 0; i < ALLOWED; i++) expect((await alerts("127.0.0.6", "op_wrong")).status).toBe(401);
      const throttled = await alerts("127.0.0.6", OPERATOR_TOKEN);
      expect(throttled.status).toBe(429);
      expect(throttled.json.error.code).toBe("rate_limit_exceeded");
      expect(Number(throttled.retryAfter)).toBeGreaterThan(0);
      expect((await alerts("127.0.0.7", OPERATOR_TOKEN)).status).toBe(200);
    });

    it("device pairing: failures per pairing code, whichever address sends it", async () => {
      const created = await t.operator("POST", `/platform/merchants/${MERCHANT}/devices`, {
        third_shop_id: SHOP_1,
      });
      expect(created.status).toBe(200);
      const code = created.json.data.pairing_code as string;
      const pair = (source: string, c: string) =>
        from(source, t.url, "/pos/api/pair", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ code: c }),
        });
      expect((await pair("127.0.0.8", code)).status).toBe(200);
      // The used code, replayed from several addresses: each address stays under its allowance.
      for (let i = 0; i < ALLOWED; i++) {
        const again = await pair(`127.0.0.${9 + i}`, code);
        expect(again.status).toBe(400);
        expect(again.json.error.code).toBe("pairing_code_invalid");
      }
      const throttled = await pair("127.0.0.20", code);
      expect(throttled.status).toBe(429);
      expect(throttled.json.error.code).toBe("rate_limit_exceeded");
      expect(Number(throttled.retryAfter)).toBeGreaterThan(0);
      // That address may still try another code.
      expect((await pair("127.0.0.20", "ABCD-EFGH")).json.error.code).toBe("pairing_code_invalid");
    });

    it("device pairing: failures per address", async () => {
      for (let i = 0; i < ALLOWED; i++)
        expect((await pair2("127.0.0.30", `WXYZ-2${"345"[i]}45`)).status).toBe(400);
      const throttled = await pair2("127.0.0.30", "WXYZ-2399");
      expect(throttled.status).toBe(429);
    });

    const pair2 = (source: string, c: string) =>
      from(source, t.url, "/pos/api/pair", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: c }),
      });
  });
}
