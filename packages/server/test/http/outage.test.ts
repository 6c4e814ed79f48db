/**
 * The HTTP server against a PostgreSQL that breaks (CONTRACT.md section 3, issue 3):
 * - a private primary stopped under a running server: lookups and redeems answer transient rows
 *   (-9990202, -9990400 or -3000105) within the core's deadline, never hang, never 5xx without
 *   an envelope, and the same server answers successes again once PostgreSQL is back;
 * - a private primary with a streaming replica whose replay is paused: a typed-code lookup over
 *   HTTP sees a redemption at once (typed codes re-read the primary), while a read through the
 *   replica does not.
 *
 * PostgreSQL pass only (DATABASE_URL set), where PostgreSQL's programs are expected. The
 * clusters are private ones started here; DATABASE_URL's server is never touched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config.js";
import { openSystem } from "../../src/system.js";
import type { TestDatabase } from "../support/databases.js";
import {
  type PrivateCluster,
  type PrivateReplica,
  queryOnce,
  startPrivateCluster,
  startReplica,
} from "../support/private-postgres.js";
import { errorOf, startTestServer, type TestServer } from "../support/server.js";
import { type BuiltOrder, baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../support/world.js";

const P = "7200000000000000001";
const DEADLINE_MS = 1500;
/** What an answer may take beyond the core's deadline (timers, event loop, a loaded machine). */
const MARGIN_MS = 1000;
const TRANSIENT_CODES = ["-9990202", "-9990400", "-3000105"];

function worldOf(count: number) {
  const world = baseWorld();
  world.products = [product(P)];
  const orders: BuiltOrder[] = [];
  for (let i = 0; i < count; i++) {
    const o = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
    world.orders?.push(o.order);
    orders.push(o.built);
  }
  return { world, orders };
}

function onCluster(url: string, replicaUrl?: string): TestDatabase {
  return {
    name: "postgres",
    open: (opts = {}) => openSystem({ ...opts, databaseUrl: url, replicaUrl, dataDir: null }),
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: Math.round(performance.now() - started) };
}

const lookupBody = (codes: string[]) => ({ merchant_id: MERCHANT, third_shop_id: SHOP_1, code_list: codes });
const redeemBody = (o: BuiltOrder) => ({
  merchant_id: MERCHANT,
  third_shop_id: SHOP_1,
  shop_order_id: o.shopOrderId,
  code_list: o.codes,
  locale: "en-US",
});

describe.skipIf(!process.env.DATABASE_URL)("HTTP through a PostgreSQL outage", () => {
  let cluster: PrivateCluster | undefined;
  let t: TestServer | undefined;
  let token = "";
  const { world, orders } = worldOf(4);

  beforeAll(async () => {
    cluster = await startPrivateCluster({ name: "fulfill-pg-http-outage" });
    t = await startTestServer(onCluster(cluster.url), { coreDeadlineMs: DEADLINE_MS });
    expect((await t.world(world)).status).toBe(200);
    await t.clock(NOW);
    token = await t.token();
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await cluster?.destroy();
  });

  for (const [mode, before, during] of [
    ["fast", 0, 1],
    ["immediate", 2, 3],
  ] as const) {
    it(`answers transient rows while the primary is down (${mode} stop) and recovers by itself`, async () => {
      const server = t as TestServer;
      const pg = cluster as PrivateCluster;
      const first = orders[before] as BuiltOrder;
      const second = orders[during] as BuiltOrder;
      const ok = await server.redeem(token, redeemBody(first));
      expect(ok.json?.error?.code, ok.text).toBe("0");

      await pg.stop(mode);
      try {
        for (const [what, call] of [
          ["redeem", () => server.redeem(token, redeemBody(second))],
          ["lookup", () => server.query(token, lookupBody(second.codes))],
        ] as const) {
          const answer = await timed(call);
          const e = errorOf(answer.value);
          expect(TRANSIENT_CODES, `${what}: ${answer.value.text}`).toContain(e.code);
          expect(e.logId).toBe(e.header);
          expect(answer.ms, `${what} answered in ${answer.ms} ms`).toBeLessThan(DEADLINE_MS + MARGIN_MS);
          console.info(
            `[http outage ${mode}] ${what} answered ${e.code} (HTTP ${e.status}) in ${answer.ms} ms`,
          );
        }
        // A platform route and the token endpoint: the database is away, which is classified
        // (503 service_unavailable with Retry-After), not an unexpected error.
        for (const [what, call] of [
          [
            "refund request",
            () =>
              server.operator("POST", "/platform/after-sales", {
                merchant_id: MERCHANT,
                shop_order_id: second.shopOrderId,
                item_order_ids: second.itemIds,
              }),
          ],
          ["operator log lookup", () => server.operator("GET", `/platform/logs/${"2".repeat(34)}`)],
        ] as const) {
          const answer = await call();
          expect(answer.status, `${what}: ${answer.text}`).toBe(503);
          expect(answer.json?.error?.code).toBe("service_unavailable");
          expect(answer.json?.error?.log_id).toBe(answer.headers.get("x-tt-logid"));
          expect(answer.headers.get("retry-after")).toBe("1");
        }
      } finally {
        await pg.start();
      }

      // The same server, never restarted: it answers successes again once PostgreSQL is back.
      const started = performance.now();
      let attempts = 0;
      for (;;) {
        attempts += 1;
        const r = await server.redeem(token, redeemBody(second));
        const code = r.json?.error?.code;
        if (code === "0") break;
        expect(TRANSIENT_CODES, r.text).toContain(code);
        if (performance.now() - started > 15_000) throw new Error(`no recovery within 15 s: ${r.text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const after = await server.query(token, lookupBody(second.codes));
      expect(after.json?.error?.code, after.text).toBe("0");
      // 400: redeemed (FINISH), by the redeem that succeeded after the outage.
      expect(
        after.json.data.code_list.map((i: { redemption_status: number }) => i.redemption_status),
      ).toEqual([400]);
      console.info(
        `[http outage ${mode}] recovered in ${Math.round(performance.now() - started)} ms (${attempts} attempt(s))`,
      );
    });
  }
  // During a failover a pooled connection can reach a server that is no longer the primary (a
  // demoted leader, a proxy whose check has not yet moved): its writes fail with SQLSTATE 25006.
  // That is the database being away for writes, not an unexpected error: 503 with Retry-After.
  // A read-only default on the private primary gives the same answer without a cluster.
  it("answers 503 service_unavailable to a platform write that reaches a read-only server", async () => {
    const server = t as TestServer;
    const pg = cluster as PrivateCluster;
    const target = orders[3] as BuiltOrder;
    await queryOnce(pg.url, "ALTER SYSTEM SET default_transaction_read_only = on");
    await queryOnce(pg.url, "SELECT pg_reload_conf()");
    try {
      const answer = await server.operator("POST", "/platform/after-sales", {
        merchant_id: MERCHANT,
        shop_order_id: target.shopOrderId,
        item_order_ids: target.itemIds,
      });
      expect(answer.status, answer.text).toBe(503);
      expect(answer.json?.error?.code).toBe("service_unavailable");
      expect(answer.headers.get("retry-after")).toBe("1");
    } finally {
      await queryOnce(pg.url, "ALTER SYSTEM RESET default_transaction_read_only");
      await queryOnce(pg.url, "SELECT pg_reload_conf()");
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)("HTTP with a lagging replica", () => {
  let primary: PrivateCluster | undefined;
  let replica: PrivateReplica | undefined;
  let t: TestServer | undefined;
  let token = "";
  const { world, orders } = worldOf(1);
  const target = orders[0] as BuiltOrder;

  beforeAll(async () => {
    primary = await startPrivateCluster({ name: "fulfill-pg-http-primary" });
    replica = await startReplica(primary);
    t = await startTestServer(onCluster(primary.url, replica.url));
    expect((await t.world(world)).status).toBe(200);
    await t.clock(NOW);
    token = await t.token();
    await replica.waitCaughtUp();
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await replica?.destroy();
    await primary?.destroy();
  });

  // A standby at the primary's URL (a replica's port, a proxy not routing to the leader) is a
  // configuration error named at start, not a missing table later.
  it("refuses a standby as the primary, naming DATABASE_URL", async () => {
    const started = openSystem({ databaseUrl: (replica as PrivateReplica).url, dataDir: null });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(/DATABASE_URL: the server it names is a standby/);
  });

  it("a typed-code lookup sees a redemption at once; a read through the paused replica does not", async () => {
    const server = t as TestServer;
    const rep = replica as PrivateReplica;
    const ctx = { merchantId: MERCHANT, fault: null };
    const onReplica = async () =>
      (await server.system.store.replica.vouchersByCodes(MERCHANT, target.codes, ctx)).map((v) => v.status);

    expect(await onReplica()).toEqual(["WAIT_FULFILL"]);
    await rep.pauseReplay();
    try {
      const r = await server.redeem(token, redeemBody(target));
      expect(r.json?.error?.code, r.text).toBe("0");

      const looked = await server.query(token, lookupBody(target.codes));
      expect(looked.json?.error?.code, looked.text).toBe("0");
      const item = looked.json.data.code_list[0];
      expect(item.redemption_status).toBe(400);
      expect(item.redeemed_third_shop_id).toBe(SHOP_1);
      expect(await onReplica()).toEqual(["WAIT_FULFILL"]);
    } finally {
      await rep.resumeReplay();
    }
    await rep.waitCaughtUp();
    expect(await onReplica()).toEqual(["FINISH"]);
  });
});
