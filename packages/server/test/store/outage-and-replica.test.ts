/**
 * The core against a real PostgreSQL that breaks: a primary that goes away and comes back
 * (transient rows within the deadline, never a hang, recovery without reopening the system),
 * and a replica that lags (typed-code lookups re-read the primary, so they see a redemption at
 * once).
 *
 * Runs in the PostgreSQL pass only (DATABASE_URL set): it needs PostgreSQL's programs to start
 * private clusters of its own, which that pass provides. It never touches DATABASE_URL's server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LookupScope, lookupByCodes } from "../../src/core/lookup.js";
import { type AnswerRow, catalogueRow, isTransient, type RowId } from "../../src/domain/catalogue.js";
import { openSystem, type System } from "../../src/system.js";
import { load, redeem } from "../support/core-harness.js";
import {
  type PrivateCluster,
  type PrivateReplica,
  startPrivateCluster,
  startReplica,
} from "../support/private-postgres.js";
import { type BuiltOrder, baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../support/world.js";

const P_ANY = "7200000000000000001";
const DEADLINE_MS = 1500;
/** What the answer may take beyond the core's deadline (timer and event-loop slack). */
const MARGIN_MS = 500;

const scope: LookupScope = {
  merchantId: MERCHANT,
  timezone: "Asia/Jakarta",
  country: "ID",
  thirdShopId: SHOP_1,
  locale: "id-ID",
};

function worldOf(count: number): { world: ReturnType<typeof baseWorld>; orders: BuiltOrder[] } {
  const world = baseWorld();
  world.products = [product(P_ANY)];
  const orders: BuiltOrder[] = [];
  for (let i = 0; i < count; i++) {
    const o = order({ productId: P_ANY, items: [{ status: "WAIT_FULFILL" }] });
    world.orders?.push(o.order);
    orders.push(o.built);
  }
  return { world, orders };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: Math.round(performance.now() - started) };
}

function expectTransient(row: AnswerRow, allowed: readonly RowId[]): void {
  expect(allowed).toContain(row);
  expect(isTransient(catalogueRow(row as RowId).handling)).toBe(true);
}

const REDEEM_OUTAGE_ROWS: readonly RowId[] = ["R9", "R13"];
const LOOKUP_OUTAGE_ROWS: readonly RowId[] = ["G13", "G14", "G15", "G16", "G18", "G20", "G21"];

describe.skipIf(!process.env.DATABASE_URL)("the core through a PostgreSQL outage", () => {
  let cluster: PrivateCluster | undefined;
  let system: System | undefined;
  const { world, orders } = worldOf(4);
  const [first, second, third, fourth] = orders as [BuiltOrder, BuiltOrder, BuiltOrder, BuiltOrder];

  beforeAll(async () => {
    cluster = await startPrivateCluster({ name: "fulfill-pg-outage" });
    system = await openSystem({ databaseUrl: cluster.url, dataDir: null, deadlineMs: DEADLINE_MS });
    await load(system, world);
    system.clock.freeze(NOW);
  });
  afterAll(async () => {
    await system?.close().catch(() => undefined);
    await cluster?.destroy();
  });

  /** Redeems until it succeeds, within a bound; returns how long recovery took. */
  async function redeemUntilOk(
    sys: System,
    o: BuiltOrder,
    boundMs: number,
  ): Promise<{ ms: number; attempts: number }> {
    const started = performance.now();
    for (let attempts = 1; ; attempts++) {
      const r = await redeem(sys, o.shopOrderId, o.codes);
      if (r.ok) return { ms: Math.round(performance.now() - started), attempts };
      expectTransient(r.row, REDEEM_OUTAGE_ROWS);
      if (performance.now() - started > boundMs)
        throw new Error(`no recovery within ${boundMs} ms: last ${r.row} ${r.cause}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  for (const mode of ["fast", "immediate"] as const) {
    const [before, during] = mode === "fast" ? [first, second] : [third, fourth];

    it(`answers transient rows while the primary is down (${mode} stop), then recovers without reopening`, async () => {
      const sys = system as System;
      const pg = cluster as PrivateCluster;
      const ok = await redeem(sys, before.shopOrderId, before.codes);
      expect(ok.ok).toBe(true);

      await pg.stop(mode);

      const down = await timed(() => redeem(sys, during.shopOrderId, during.codes));
      expect(down.value.ok).toBe(false);
      if (down.value.ok) return;
      expectTransient(down.value.row, REDEEM_OUTAGE_ROWS);
      expect(down.ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);

      const looked = await timed(() => lookupByCodes(sys.lookupDeps, scope, during.codes));
      expect(looked.value.ok).toBe(false);
      if (looked.value.ok) return;
      expectTransient(looked.value.row, LOOKUP_OUTAGE_ROWS);
      expect(looked.ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);

      await pg.start();
      const recovery = await redeemUntilOk(sys, during, 10_000);
      expect(recovery.ms).toBeLessThan(10_000);

      const after = await lookupByCodes(sys.lookupDeps, scope, during.codes);
      expect(after.ok && after.value.items.map((v) => v.status)).toEqual(["FINISH"]);
      console.info(
        `[outage ${mode}] redeem answered ${down.value.row} in ${down.ms} ms, lookup ${looked.value.row} in ${looked.ms} ms; ` +
          `recovered in ${recovery.ms} ms (${recovery.attempts} attempt(s))`,
      );
    });
  }
});

describe.skipIf(!process.env.DATABASE_URL)("the core with a lagging replica", () => {
  let primary: PrivateCluster | undefined;
  let replica: PrivateReplica | undefined;
  let system: System | undefined;
  const { world, orders } = worldOf(1);
  const target = orders[0] as BuiltOrder;

  beforeAll(async () => {
    primary = await startPrivateCluster({ name: "fulfill-pg-primary" });
    replica = await startReplica(primary);
    system = await openSystem({ databaseUrl: primary.url, replicaUrl: replica.url, dataDir: null });
    await load(system, world);
    system.clock.freeze(NOW);
    await replica.waitCaughtUp();
  });
  afterAll(async () => {
    await system?.close().catch(() => undefined);
    await replica?.destroy();
    await primary?.destroy();
  });

  it("a redemption is on the primary at once, on the paused replica only after replay resumes", async () => {
    const sys = system as System;
    const rep = replica as PrivateReplica;
    const ctx = { merchantId: MERCHANT, fault: null };
    const statuses = async (reads: System["store"]["primary"]) =>
      (await reads.vouchersByCodes(MERCHANT, target.codes, ctx)).map((v) => v.status);

    expect(await statuses(sys.store.replica)).toEqual(["WAIT_FULFILL"]);
    await rep.pauseReplay();

    const r = await redeem(sys, target.shopOrderId, target.codes);
    expect(r.ok).toBe(true);

    expect(await statuses(sys.store.primary)).toEqual(["FINISH"]);
    expect(await statuses(sys.store.replica)).toEqual(["WAIT_FULFILL"]);

    // The typed-code lookup finds the codes on the (stale) replica, then re-reads the primary.
    const looked = await lookupByCodes(sys.lookupDeps, scope, target.codes);
    expect(looked.ok).toBe(true);
    if (!looked.ok) return;
    expect(looked.value.items.map((v) => v.status)).toEqual(["FINISH"]);
    expect(await statuses(sys.store.replica)).toEqual(["WAIT_FULFILL"]);

    await rep.resumeReplay();
    await rep.waitCaughtUp();
    expect(await statuses(sys.store.replica)).toEqual(["FINISH"]);
  });
});
