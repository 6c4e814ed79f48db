/**
 * No SSRF through webhooks (CONTRACT.md section 8), at write time and end to end, on every test
 * database: a webhook_url is `https` to a host name or a public address without credentials,
 * through the platform API and the sandbox world alike; anything else is refused with an error
 * naming the field and changes nothing. Loopback receivers (http or https) only with
 * FULFILL_WEBHOOK_ALLOW_LOOPBACK, never other ranges. A loopback URL already in the database (say,
 * written before this check existed) is still refused at send time.
 *
 * Every address in here is either never connected to (refused, or only written) or 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorldT } from "../../src/sandbox/world-schema.js";
import { redeem } from "../support/core-harness.js";
import { testDatabases } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, NOW, order, product } from "../support/world.js";
import { fastDelivery, Receiver, sleep, waitFor } from "./support.js";

const REFUSED_ALWAYS = [
  "http://hooks.example/in",
  "ftp://hooks.example/in",
  "not a url",
  "https://user:pa55word@hooks.example/in",
  "https://:pa55word@hooks.example/in",
  "https://10.0.0.1/in",
  "https://172.16.5.4/in",
  "https://192.168.1.1/in",
  "https://169.254.169.254/latest/meta-data/",
  "https://100.64.0.1/in",
  "https://[fe80::1]/in",
  "https://[fc00::1]/in",
  "https://[::ffff:10.0.0.1]/in",
  "https://0.0.0.0/in",
  "https://[::]/in",
  "https://224.0.0.1/in",
  "https://255.255.255.255/in",
  "https://192.0.2.1/in",
  "https://198.18.0.1/in",
  "https://167772161/in", // 10.0.0.1 in decimal
  "https://012.0.0.1/in", // 10.0.0.1 in octal
  "http://10.0.0.1:8080/in",
];
const LOOPBACK = [
  "https://127.0.0.1/in",
  "https://127.8.9.10/in",
  "https://2130706433/in",
  "https://0177.0.0.1/in",
  "https://0x7f.0.0.1/in",
  "https://[::1]/in",
  "https://[::ffff:127.0.0.1]/in",
  "https://localhost/in",
  "http://127.0.0.1:9/in",
  "http://[::1]:9/in",
];
const ACCEPTED = [
  "https://hooks.example/in?token=abc",
  "https://93.184.216.34/in",
  "https://[2606:4700::1111]/in",
];

const app = (client_key: string, webhook_url: string | null) => ({
  client_key,
  client_secret: "cs_webhook_url_test_secret_0000001",
  name: client_key,
  webhook_url,
});

for (const database of testDatabases()) {
  describe(`webhook_url on write, loopback not allowed, on ${database.name}`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer(database, { webhookAllowLoopback: false });
      expect((await t.world(baseWorld())).status).toBe(200);
    });
    afterAll(async () => t?.close());

    const storedUrl = async (ck: string) =>
      (
        await t.system.database.db
          .selectFrom("apps")
          .select("webhook_url")
          .where("client_key", "=", ck)
          .executeTakeFirst()
      )?.webhook_url;

    for (const [n, url] of [...REFUSED_ALWAYS, ...LOOPBACK].entries()) {
      it(`refuses ${url} over the platform API and the sandbox world, naming webhook_url, storing nothing`, async () => {
        const ck = `ck_refused_${n}`;
        const api = await t.operator("POST", "/platform/apps", app(ck, url));
        expect({ status: api.status, code: api.json?.error?.code }).toEqual({
          status: 400,
          code: "invalid_params",
        });
        expect(api.json.error.message).toContain("webhook_url");
        expect(api.text).not.toContain("pa55word");
        const world = await t.world({ apps: [app(ck, url)] } as WorldT);
        expect({ status: world.status, code: world.json?.error?.code }).toEqual({
          status: 400,
          code: "invalid_params",
        });
        expect(world.json.error.message).toContain("webhook_url");
        expect(await storedUrl(ck)).toBeUndefined();
        // An existing app keeps its URL when a change to a refused one is asked.
        const keep = await t.operator(
          "POST",
          "/platform/apps",
          app("ck_keeps", "https://hooks.example/keep"),
        );
        expect(keep.status).toBe(200);
        expect((await t.operator("POST", "/platform/apps", app("ck_keeps", url))).status).toBe(400);
        expect(await storedUrl("ck_keeps")).toBe("https://hooks.example/keep");
      });
    }

    it("accepts https to a host name or a public address (nothing is resolved or called at write time)", async () => {
      for (const [n, url] of ACCEPTED.entries()) {
        const api = await t.operator("POST", "/platform/apps", app(`ck_ok_${n}`, url));
        expect(api.status, `${url}: ${api.text}`).toBe(200);
        expect(await storedUrl(`ck_ok_${n}`)).toBe(url);
        const world = await t.world({ apps: [app(`ck_ok_w${n}`, url)] } as WorldT);
        expect(world.status, `${url}: ${world.text}`).toBe(200);
      }
      expect((await t.operator("POST", "/platform/apps", app("ck_none", null))).status).toBe(200);
    });
  });

  describe(`webhook_url on write with FULFILL_WEBHOOK_ALLOW_LOOPBACK, on ${database.name}`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer(database, { webhookAllowLoopback: true });
    });
    afterAll(async () => t?.close());

    it("accepts http or https loopback receivers, and still refuses every other range and http elsewhere", async () => {
      for (const [n, url] of LOOPBACK.entries()) {
        const api = await t.operator("POST", "/platform/apps", app(`ck_loop_${n}`, url));
        expect(api.status, `${url}: ${api.text}`).toBe(200);
      }
      for (const [n, url] of REFUSED_ALWAYS.entries()) {
        const api = await t.operator("POST", "/platform/apps", app(`ck_no_${n}`, url));
        expect({ url, status: api.status }).toEqual({ url, status: 400 });
        expect(api.json.error.message).toContain("webhook_url");
      }
    });
  });

  describe(`send time, loopback not allowed, a loopback URL already stored, on ${database.name}`, () => {
    const P = "7200000000000000901";
    const FORMS = {
      ck_dotted: (port: number) => `http://127.0.0.1:${port}/hook`,
      ck_decimal: (port: number) => `http://2130706433:${port}/hook`,
      ck_octal: (port: number) => `http://0177.0.0.1:${port}/hook`,
      ck_hex: (port: number) => `http://0x7f000001:${port}/hook`,
      ck_mapped: (port: number) => `http://[::ffff:127.0.0.1]:${port}/hook`,
    };
    const secrets = Object.fromEntries(
      Object.keys(FORMS).map((ck) => [ck, `cs_${ck}_secret_value_000000001`]),
    );
    const receiver = new Receiver(secrets);
    const o = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
    let t: TestServer;
    beforeAll(async () => {
      await receiver.start();
      t = await startTestServer(database, fastDelivery({ webhookAllowLoopback: false }));
      const world = baseWorld();
      world.apps = Object.keys(FORMS).map((ck) => app(ck, null));
      const [main] = world.merchants ?? [];
      if (!main) throw new Error("base world changed");
      main.grants = Object.keys(FORMS).map((client_key) => ({
        client_key,
        scopes: ["localservice.fulfill.query", "localservice.fulfill.redeem"],
        third_shop_ids: [],
      }));
      world.products = [product(P, { valid_to: NOW + 300 * 86400 })];
      world.orders = [o.order];
      expect((await t.world(world)).status).toBe(200);
      const port = Number(new URL(receiver.url).port);
      for (const [ck, form] of Object.entries(FORMS)) {
        await t.system.database.db
          .updateTable("apps")
          .set({ webhook_url: form(port) })
          .where("client_key", "=", ck)
          .execute();
      }
      t.system.clock.freeze(NOW);
    });
    afterAll(async () => {
      await t?.close();
      await receiver.stop();
    });

    it("in every form (dotted, decimal, octal, hex, IPv4-mapped) the send is refused: a failed attempt, the receiver sees nothing", async () => {
      const r = await redeem(t.system, o.built.shopOrderId, [o.built.codes[0] as string]);
      expect(r.ok).toBe(true);
      expect((await t.clearFaults()).status).toBe(200); // wakes the relay
      const rows = await waitFor("an attempt per app", async () => {
        const got = await t.system.database.db
          .selectFrom("webhook_deliveries as d")
          .innerJoin("apps as a", "a.app_id", "d.app_id")
          .select(["a.client_key", "d.state", "d.attempts", "d.last_error"])
          .where("d.shop_order_id", "=", o.built.shopOrderId)
          .orderBy("a.client_key")
          .execute();
        return got.length === 5 && got.every((g) => Number(g.attempts) >= 1) ? got : null;
      });
      await sleep(100);
      expect(receiver.receipts).toEqual([]);
      for (const row of rows) {
        expect(row.state, row.client_key).toBe("pending");
        expect(row.last_error, row.client_key).toMatch(
          /^refused: .* is a loopback address, not a public one$/,
        );
      }
    });
  });
}
