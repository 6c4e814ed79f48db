/**
 * /metrics (issue 15, item 5): a dashboard tells a used voucher from an outage. One success, one
 * R18, one G5, one tripped enumeration budget and one dead letter, each counted exactly once on
 * `/metrics`, labelled by endpoint and row; the operator token guards it; completion log lines
 * carry the route and the row. (Before: /metrics answered 404.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { logLines } from "../support/log-lines.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, order, product, SHOP_1 } from "../support/world.js";

const P1 = "7200000000000001501";
const BUDGET = 3;

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Prometheus's text format, one sample per line (comments left out). */
function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the sample named `name` whose labels include `labels` (0 when absent). */
function sampleValue(all: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = all.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found.reduce((sum, s) => sum + s.value, 0);
}

for (const database of testDatabases()) {
  describe(`/metrics on ${database.name}`, () => {
    let t: TestServer;
    const { lines, stream: logStream } = logLines();
    const world = baseWorld();
    world.products = [product(P1)];
    const used = order({ productId: P1, items: [{ status: "WAIT_FULFILL" }] });
    world.orders = [used.order];
    world.apps?.push({ client_key: "ck_enum", client_secret: "cs_ck_enum", name: "enum", webhook_url: null });
    world.merchants?.[0]?.grants?.push({
      client_key: "ck_enum",
      scopes: ["localservice.fulfill.query", "localservice.fulfill.redeem"],
      third_shop_ids: [],
    });
    const demo = world.apps?.find((a) => a.client_key === "ck_demo");
    // Nothing listens on port 9: every delivery to ck_demo fails, and with no retry window it dies.
    if (demo) demo.webhook_url = "http://127.0.0.1:9/hook";

    beforeAll(async () => {
      t = await startTestServer(
        database,
        { missBudgetPerMinute: BUDGET, webhookGiveUpMs: 0, webhookPollMs: 20, webhookTimeoutMs: 500 },
        { logStream },
      );
      const loaded = await t.world(world);
      expect(loaded.status, loaded.text).toBe(200);
    });
    afterAll(async () => {
      await t?.close();
    });

    const scrape = async () => {
      const res = await t.operator("GET", "/metrics");
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      return samples(res.text);
    };

    it("is guarded by the operator token", async () => {
      expect((await t.request("/metrics")).status).toBe(401);
      expect((await t.request("/metrics", { headers: { authorization: "Bearer nope" } })).status).toBe(401);
    });

    it("counts each answer by endpoint and row, trips, dead letters; process metrics", {
      timeout: 60_000,
    }, async () => {
      const before = await scrape();
      const token = await t.token();
      const redeem = {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: used.built.shopOrderId,
        code_list: [used.built.codes[0]],
        locale: "id-ID",
      };
      const ok = await t.redeem(token, redeem);
      expect(ok.status, ok.text).toBe(200);
      const again = await t.redeem(token, redeem);
      expect(again.status, again.text).toBe(500);
      const g5 = await t.query(token, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: ["999999999991"],
      });
      expect(g5.status, g5.text).toBe(500);
      // Another app spends its enumeration budget: BUDGET misses fit, the next one tips it over
      // (still answered G5, one alert), and the lookup after that is refused.
      const enumToken = await t.token({ clientKey: "ck_enum", clientSecret: "cs_ck_enum" });
      const guess = (n: number) => String(999999999000 + n);
      for (let i = 0; i <= BUDGET; i++)
        await t.query(enumToken, { merchant_id: MERCHANT, third_shop_id: SHOP_1, code_list: [guess(i)] });
      const tripped = await t.query(enumToken, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: [guess(BUDGET + 1)],
      });
      expect(tripped.status, tripped.text).toBe(429);

      // The redeem's event dead-letters at its first failed attempt (give-up 0).
      let after = await scrape();
      const settled = (m: Sample[]) =>
        sampleValue(m, "fulfill_webhook_deliveries", { state: "dead" }) >= 1 &&
        sampleValue(m, "fulfill_webhook_deliveries", { state: "pending" }) === 0;
      for (let i = 0; i < 100 && !settled(after); i++) {
        await new Promise((r) => setTimeout(r, 100));
        after = await scrape();
      }
      const inc = (name: string, labels: Record<string, string>) =>
        sampleValue(after, name, labels) - sampleValue(before, name, labels);

      expect(inc("fulfill_requests_total", { endpoint: "redeem_code", row: "OK", status: "200" })).toBe(1);
      expect(inc("fulfill_requests_total", { endpoint: "redeem_code", row: "R18", status: "500" })).toBe(1);
      expect(inc("fulfill_requests_total", { endpoint: "get_code_item_list", row: "G5" })).toBe(
        1 + BUDGET + 1,
      );
      expect(
        inc("fulfill_requests_total", {
          endpoint: "get_code_item_list",
          row: "rate_limit_exceeded",
          status: "429",
        }),
      ).toBe(1);
      expect(inc("fulfill_requests_total", { endpoint: "oauth.token", row: "OK" })).toBe(2);
      expect(
        inc("fulfill_throttled_total", { endpoint: "get_code_item_list", reason: "enumeration_budget" }),
      ).toBe(1);
      expect(inc("fulfill_throttled_total", { reason: "rate_limit" })).toBe(0);
      expect(inc("fulfill_enumeration_trips_total", { budget: "own" })).toBe(1);
      expect(inc("fulfill_request_duration_seconds_count", { endpoint: "redeem_code" })).toBe(2);
      // Dead letters: exactly the deliveries the database holds as dead (the redeem's event, to each
      // recipient app; none before).
      const dead = await t.system.database.db
        .selectFrom("webhook_deliveries")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("state", "=", "dead")
        .executeTakeFirstOrThrow();
      expect(sampleValue(before, "fulfill_webhook_deliveries", { state: "dead" })).toBe(0);
      expect(Number(dead.n)).toBeGreaterThanOrEqual(1);
      expect(sampleValue(after, "fulfill_webhook_deliveries", { state: "dead" })).toBe(Number(dead.n));
      expect(sampleValue(after, "fulfill_webhook_deliveries", { state: "pending" })).toBe(0);
      expect(sampleValue(after, "fulfill_outbox_backlog")).toBe(0);
      expect(sampleValue(after, "fulfill_outbox_oldest_pending_seconds")).toBe(0);
      expect(inc("fulfill_query_errors_total", {})).toBe(0);
      // The pool's gauge: PostgreSQL's connections (at least the one that served these requests);
      // the embedded database has no pool, so no sample.
      const poolTotal = after.filter(
        (s) => s.name === "fulfill_db_pool_connections" && s.labels.state === "total",
      );
      if (database.name === "postgres") {
        expect(poolTotal.length).toBe(1);
        expect(poolTotal[0]?.value).toBeGreaterThanOrEqual(1);
        expect(sampleValue(after, "fulfill_db_pool_connections", { state: "waiting" })).toBe(0);
      } else expect(poolTotal).toEqual([]);
      // Node's own process metrics are there too.
      expect(after.some((s) => s.name === "process_cpu_user_seconds_total")).toBe(true);
      expect(after.some((s) => s.name === "nodejs_eventloop_lag_seconds")).toBe(true);

      // The completion line names the route and the row.
      const completed = lines
        .map((l) => JSON.parse(l) as { msg?: string; res?: { route?: string; row?: string } })
        .filter((l) => l.msg === "request completed" && l.res?.route === "redeem_code");
      expect(completed.map((l) => l.res?.row)).toEqual(["OK", "R18"]);
    });
  });
}
