/**
 * Fuzzed sandbox worlds (CONTRACT.md section 7) on a fresh embedded system: random worlds and
 * mutations of a valid one (dropped, retyped and duplicated fields, bad ids, currencies, times,
 * timezones, hours, dates, duplicate codes and shops, unknown references). The loader either
 * loads or rejects with its validation error (WorldInvalid; over HTTP a 400 invalid_params
 * envelope), never fails otherwise, and a rejected world changes nothing.
 */
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOG_ID_PATTERN } from "../../src/gateway/log-id.js";
import { loadWorld, WorldInvalid } from "../../src/sandbox/world-loader.js";
import type { WorldT } from "../../src/sandbox/world-schema.js";
import { wrongType } from "../support/fuzz-inputs.js";
import { buildInProcessApp, type InProcessApp } from "../support/in-process-app.js";
import { baseWorld, order, product } from "../support/world.js";

const RUNS = Number(process.env.WORLD_FUZZ_RUNS ?? 200);
const SEED = Number(process.env.WORLD_FUZZ_SEED ?? 20261129);

const TABLES = [
  "apps",
  "merchants",
  "shops",
  "grants",
  "holidays",
  "products",
  "shop_orders",
  "item_orders",
  "vouchers",
  "execution_orders",
  "sub_fulfillment_orders",
  "shop_snapshots",
] as const;

/** A valid world with products and orders, the start of every mutation. */
function validWorld(): WorldT {
  const w = baseWorld();
  const p1 = product("7200000000000000001");
  const p2 = product("7200000000000000002", {
    currency: "USD",
    crossed_amount: "12.50",
    sale_amount: "9.99",
    usable_hours: [{ start: "08:00", end: "22:00" }],
    applicable_third_shop_ids: ["S-001", "S-002"],
  });
  const o1 = order({
    productId: p1.product_id,
    items: [{ status: "WAIT_FULFILL" }, { status: "FINISH" }],
  });
  const o2 = order({
    productId: p2.product_id,
    items: [
      { status: "AFTER_SALE_PROCESSING" },
      {
        status: "WAIT_FULFILL",
        execution: { status: "WAIT_FULFILL", start_time: null, end_time: null },
        sub_fulfillment: { status: "WAIT_FULFILL", applicable_third_shop_ids: null },
      },
    ],
  });
  return { ...w, products: [p1, p2], orders: [o1.order, o2.order] };
}

const BASE = validWorld();

type Path = (string | number)[];

function leafPaths(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (at.length > 0) out.push(at);
  if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value))
      leafPaths(v, [...at, Array.isArray(value) ? Number(k) : k], out);
  }
  return out;
}
const PATHS = leafPaths(BASE);

function getAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

function setAt(root: unknown, path: Path, value: unknown | undefined): void {
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  const key = path[path.length - 1] as string | number;
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else parent[key] = value;
}

const nasty = fc.oneof(
  { arbitrary: wrongType, weight: 2 },
  {
    arbitrary: fc.constantFrom<unknown>(
      "",
      "0",
      "01",
      "abc",
      "-1",
      "1e5",
      "9223372036854775807",
      "9223372036854775808",
      "9999999999999999999",
      "99999999999999999999",
      "999999999999999999",
      "999999999999999999.99",
      "12.345",
      "12.5",
      "idr",
      "XYZ",
      "JPY",
      "BHD",
      "US",
      "\u0000",
      "a\u0000b",
      "\ud800",
      "x".repeat(300),
      "25:00",
      "24:00",
      "00:00",
      "2026-13-45",
      "0000-00-00",
      "Mars/Olympus",
      "UTC",
      "+07:00",
      "INIT",
      "FINISH",
      "AFTER_SALE_SUCCESS",
      "BOGUS",
      -1,
      0,
      1.5,
      8,
      2 ** 53,
      253402300799,
      253402300800,
      -1e300,
    ),
    weight: 4,
  },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
);

type Op =
  | { op: "delete"; path: number }
  | { op: "set"; path: number; value: unknown }
  | { op: "dup_code" }
  | { op: "dup_item" }
  | { op: "dup_third_shop" }
  | { op: "shop_to_other_merchant" }
  | { op: "unknown_merchant" }
  | { op: "unknown_product" }
  | { op: "unknown_app" }
  | { op: "window_reversed" }
  | { op: "code_taken_by_other_order" };

const ops: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({ op: fc.constant("delete" as const), path: fc.nat({ max: PATHS.length - 1 }) }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("set" as const),
      path: fc.nat({ max: PATHS.length - 1 }),
      value: nasty,
    }),
    weight: 8,
  },
  {
    arbitrary: fc.constantFrom<Op>(
      { op: "dup_code" },
      { op: "dup_item" },
      { op: "dup_third_shop" },
      { op: "shop_to_other_merchant" },
      { op: "unknown_merchant" },
      { op: "unknown_product" },
      { op: "unknown_app" },
      { op: "window_reversed" },
      { op: "code_taken_by_other_order" },
    ),
    weight: 3,
  },
);

// biome-ignore lint/suspicious/noExplicitAny: mutations reach into arbitrary JSON
function apply(world: any, op: Op): void {
  const orders = Array.isArray(world.orders) ? world.orders : null;
  switch (op.op) {
    case "delete": {
      const path = PATHS[op.path] as Path;
      const parent = getAt(world, path.slice(0, -1));
      if (typeof parent === "object" && parent !== null) setAt(world, path, undefined);
      return;
    }
    case "set": {
      const path = PATHS[op.path] as Path;
      const parent = getAt(world, path.slice(0, -1));
      if (typeof parent === "object" && parent !== null) setAt(world, path, op.value);
      return;
    }
    case "dup_code": {
      // Two different items of the world share one code.
      const a = orders?.[0]?.items?.[0];
      const b = orders?.[1]?.items?.[0];
      if (a && b) b.code = a.code;
      return;
    }
    case "dup_item": {
      const items = orders?.[0]?.items;
      if (Array.isArray(items) && items[0]) items.push(structuredClone(items[0]));
      return;
    }
    case "dup_third_shop": {
      const shops = world.merchants?.[0]?.shops;
      if (Array.isArray(shops) && shops[0])
        shops.push({ ...shops[0], shop_id: "7100000000000000077", name: "Same third id" });
      return;
    }
    case "shop_to_other_merchant": {
      // A shop id of merchant 1 named again under merchant 2 (moves it).
      const shops = world.merchants?.[1]?.shops;
      if (Array.isArray(shops))
        shops.push({ shop_id: "7100000000000000001", third_shop_id: "O-002", name: "Moved" });
      return;
    }
    case "unknown_merchant": {
      const p = world.products?.[0];
      if (p && typeof p === "object") p.merchant_id = "7000000000000000999";
      return;
    }
    case "unknown_product": {
      const o = orders?.[0];
      if (o && typeof o === "object") o.product_id = "7200000000000000999";
      return;
    }
    case "unknown_app": {
      const g = world.merchants?.[0]?.grants?.[0];
      if (g && typeof g === "object") g.client_key = "ck_nobody";
      return;
    }
    case "window_reversed": {
      const p = world.products?.[0];
      if (p && typeof p === "object") [p.valid_from, p.valid_to] = [p.valid_to, p.valid_from];
      return;
    }
    case "code_taken_by_other_order": {
      // A new item whose code another item already holds in the database.
      const items = orders?.[1]?.items;
      const code = orders?.[0]?.items?.[1]?.code;
      if (Array.isArray(items) && code)
        items.push({ item_order_id: "5819999999999999999", code, status: "INIT" });
      return;
    }
  }
}

const mutatedWorlds = fc.array(ops, { minLength: 1, maxLength: 3 }).map((list) => {
  const w = structuredClone(BASE);
  for (const op of list) apply(w, op);
  return { world: w as unknown, ops: list };
});
const randomWorlds = fc
  .oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record(
      {
        apps: fc.array(fc.object({ maxDepth: 1 }), { maxLength: 2 }),
        merchants: fc.array(fc.object({ maxDepth: 2 }), { maxLength: 2 }),
        products: fc.array(fc.object({ maxDepth: 1 }), { maxLength: 2 }),
        orders: fc.array(fc.object({ maxDepth: 2 }), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    ),
  )
  .map((world) => ({ world: world as unknown, ops: [] as Op[] }));
const worlds = fc.oneof({ arbitrary: mutatedWorlds, weight: 9 }, { arbitrary: randomWorlds, weight: 1 });

describe("fuzzed sandbox worlds", () => {
  let t: InProcessApp;

  async function snapshot(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const table of TABLES) {
      const r = await sql<{ n: string; h: string }>`SELECT count(*)::text AS n,
          md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h
        FROM ${sql.table(table)} t`.execute(t.system.database.db);
      out[table] = `${r.rows[0]?.n} ${r.rows[0]?.h}`;
    }
    return out;
  }

  beforeAll(async () => {
    t = await buildInProcessApp();
    const res = await t.world(BASE);
    expect(res.status).toBe(200);
  });
  afterAll(async () => t?.close());

  it(`${RUNS} worlds through the loader: loaded, or WorldInvalid and nothing changed`, {
    timeout: 120_000,
  }, async () => {
    const outcomes = { loaded: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(worlds, async ({ world }) => {
        const before = await snapshot();
        let error: unknown = null;
        let summary: Awaited<ReturnType<typeof loadWorld>> | null = null;
        try {
          summary = await loadWorld(t.system.world, t.system.secrets, t.system.ids, world);
        } catch (err) {
          error = err;
        }
        if (error === null) {
          outcomes.loaded++;
          const w = world as WorldT;
          expect(summary?.orders).toBe(w.orders?.length ?? 0);
          expect(summary?.products).toBe(w.products?.length ?? 0);
        } else {
          outcomes.rejected++;
          expect(error, String(error)).toBeInstanceOf(WorldInvalid);
          expect((error as Error).message).toMatch(/^world: /);
          expect(await snapshot()).toEqual(before);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    console.log("world loader outcomes", outcomes);
    expect(outcomes.loaded).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });

  it(`${Math.ceil(RUNS / 2)} worlds through POST /sandbox/world: 200 or a 400 invalid_params envelope`, {
    timeout: 120_000,
  }, async () => {
    const outcomes = { loaded: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(worlds, async ({ world }) => {
        const before = await snapshot();
        const res = await t.world(world);
        const logId = res.headers["x-tt-logid"];
        expect(typeof logId === "string" && LOG_ID_PATTERN.test(logId)).toBe(true);
        expect(res.json?.error?.log_id).toBe(logId);
        expect(res.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
        if (res.status === 200) {
          outcomes.loaded++;
          expect(res.json.error.code).toBe("0");
          expect(typeof res.json.data.loaded).toBe("object");
        } else {
          outcomes.rejected++;
          expect({ status: res.status, code: res.json?.error?.code }, res.text).toEqual({
            status: 400,
            code: "invalid_params",
          });
          expect(await snapshot()).toEqual(before);
        }
      }),
      { numRuns: Math.ceil(RUNS / 2), seed: SEED + 1 },
    );
    console.log("world route outcomes", outcomes);
    expect(outcomes.loaded).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
    // The system still serves the valid world afterwards.
    expect((await t.world(BASE)).status).toBe(200);
  });
});
