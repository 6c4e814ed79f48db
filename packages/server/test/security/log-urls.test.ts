/**
 * Issue 13, item 7: a secret sent in a query string never reaches the log stream nor the request
 * log (every logged URL loses its query string), and the client address the log records is the
 * socket's peer unless that peer is a proxy listed in FULFILL_TRUST_PROXY.
 */
import { afterEach, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { logLines } from "../support/log-lines.js";
import { QUERY, startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT } from "../support/world.js";

const SECRET = "qs_secret_value_0123456789abcdef";
const CLIENT = "203.0.113.7";

/** The address the "incoming request" line of a request (by its log id) recorded. */
function loggedAddress(lines: string[], logId: string | null): string | undefined {
  for (const line of lines) {
    const entry = JSON.parse(line) as { log_id?: string; req?: { remoteAddress?: string } };
    if (entry.log_id === logId && entry.req?.remoteAddress) return entry.req.remoteAddress;
  }
  return undefined;
}

for (const database of testDatabases()) {
  describe(`logged URLs and client addresses on ${database.name}`, () => {
    let t: TestServer | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it("a query string's secrets reach neither the log stream nor the request log", async () => {
      const { lines, stream } = logLines();
      t = await startTestServer(database, {}, { logStream: stream });
      expect((await t.world(baseWorld())).status).toBe(200);
      const form = new URLSearchParams({
        client_key: "ck_demo",
        client_secret: "cs_demo",
        merchant_id: MERCHANT,
        grant_type: "access_token",
      });
      const token = await t.request(`/merchant/oauth/token/?client_secret=${SECRET}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
      });
      expect(token.status).toBe(200);
      await t.query(token.json.access_token, { merchant_id: MERCHANT, third_shop_id: "S-001" });
      await t.request(`${QUERY}?access_token=${SECRET}`, { method: "POST" });
      const missing = await t.request(`/no/such/route?access_token=${SECRET}&x=1`);
      expect(missing.status).toBe(404);
      await t.request(`/healthz?token=${SECRET}`);
      await t.server.context.requestLog.flush();

      expect(lines.filter((l) => l.includes("/no/such/route")).length).toBeGreaterThan(0);
      for (const line of lines) expect(line, `a log line holds the secret: ${line}`).not.toContain(SECRET);
      const lookup = await t.operator("GET", `/platform/logs/${missing.headers.get("x-tt-logid")}`);
      expect(lookup.status, lookup.text).toBe(200);
      expect(lookup.json.data.endpoint).toBe("/no/such/route");
    });

    it("X-Forwarded-For is ignored when FULFILL_TRUST_PROXY is empty", async () => {
      const { lines, stream } = logLines();
      t = await startTestServer(database, { trustProxy: [] }, { logStream: stream });
      const res = await t.request("/healthz", { headers: { "x-forwarded-for": CLIENT } });
      expect(res.status).toBe(200);
      expect(loggedAddress(lines, res.headers.get("x-tt-logid"))).toBe("127.0.0.1");
    });

    it("X-Forwarded-For is believed from a listed proxy, and only from one", async () => {
      const { lines, stream } = logLines();
      t = await startTestServer(database, { trustProxy: ["127.0.0.1"] }, { logStream: stream });
      const res = await t.request("/healthz", { headers: { "x-forwarded-for": CLIENT } });
      expect(loggedAddress(lines, res.headers.get("x-tt-logid"))).toBe(CLIENT);
      await t.close();

      const other = logLines();
      t = await startTestServer(database, { trustProxy: ["10.0.0.0/8"] }, { logStream: other.stream });
      const direct = await t.request("/healthz", { headers: { "x-forwarded-for": CLIENT } });
      expect(loggedAddress(other.lines, direct.headers.get("x-tt-logid"))).toBe("127.0.0.1");
    });
  });
}
