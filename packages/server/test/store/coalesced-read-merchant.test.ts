/**
 * The coalesced typed-code read (items_any_codes) filters by (merchant, code) in SQL, like the
 * direct read: the database never hands a batch another merchant's voucher, so a caller naming
 * another merchant's code costs the same as naming an unknown one (no cross-merchant oracle).
 * The rows the database returns are recorded by a Kysely plugin on the store's connection.
 */
import type { KyselyPlugin, QueryResult, UnknownRow } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KyselyFulfillmentStore } from "../../src/store/fulfillment-store.js";
import type { System } from "../../src/system.js";
import { load } from "../support/core-harness.js";
import { testDatabases } from "../support/databases.js";
import { baseWorld, MERCHANT, OTHER_MERCHANT, order, product } from "../support/world.js";

const PA = "7200000000000001001";
const PB = "7200000000000001002";

/** Every row any query of the wrapped connection returned, one list per query. */
function recorder(): { plugin: KyselyPlugin; results: UnknownRow[][] } {
  const results: UnknownRow[][] = [];
  return {
    results,
    plugin: {
      transformQuery: (args) => args.node,
      transformResult: async (args): Promise<QueryResult<UnknownRow>> => {
        results.push([...args.result.rows]);
        return args.result;
      },
    },
  };
}

for (const database of testDatabases()) {
  describe(`coalesced typed-code read on ${database.name}`, () => {
    let system: System;
    const a = order({ productId: PA, items: [{ status: "WAIT_FULFILL" }] });
    const b = order({ productId: PB, items: [{ status: "WAIT_FULFILL" }] });
    const codeA = a.built.codes[0] as string;
    const codeB = b.built.codes[0] as string;

    beforeAll(async () => {
      system = await database.open();
      const world = baseWorld();
      world.products = [
        product(PA),
        product(PB, { merchant_id: OTHER_MERCHANT, applicable_third_shop_ids: ["O-001"] }),
      ];
      world.orders = [a.order, b.order];
      await load(system, world);
    });
    afterAll(async () => system?.close());

    const ctx = (merchantId: string) => ({ merchantId, fault: null });
    const merchantsOf = (rows: UnknownRow[]) => rows.map((r) => String(r.merchant_id));

    it("a merchant asking for another merchant's code reads no row of it from the database", async () => {
      const rec = recorder();
      const store = new KyselyFulfillmentStore(system.database.db.withPlugin(rec.plugin), system.faults);
      const items = await store.primary.itemsByCodes(MERCHANT, [codeB], ctx(MERCHANT));
      expect(items.vouchers).toEqual([]);
      expect(rec.results.length).toBe(1);
      expect(merchantsOf(rec.results.flat()), "rows the coalesced read fetched for merchant A").toEqual([]);
    });

    it("in one batch, A's request for B's code gets nothing while B's request gets its row", async () => {
      const rec = recorder();
      const store = new KyselyFulfillmentStore(system.database.db.withPlugin(rec.plugin), system.faults);
      // The first read goes out alone; the next three wait for it and share one round trip.
      const first = store.primary.itemsByCodes(MERCHANT, [codeA], ctx(MERCHANT));
      const aForB = store.primary.itemsByCodes(MERCHANT, [codeB], ctx(MERCHANT));
      const bForB = store.primary.itemsByCodes(OTHER_MERCHANT, [codeB], ctx(OTHER_MERCHANT));
      const bForA = store.primary.itemsByCodes(OTHER_MERCHANT, [codeA, codeB], ctx(OTHER_MERCHANT));
      const [r1, r2, r3, r4] = await Promise.all([first, aForB, bForB, bForA]);
      expect(rec.results.length, "one round trip for the three waiting reads").toBe(2);
      expect(r1?.vouchers.map((v) => [v.merchantId, v.code])).toEqual([[MERCHANT, codeA]]);
      expect(r2?.vouchers).toEqual([]);
      expect(r3?.vouchers.map((v) => [v.merchantId, v.code])).toEqual([[OTHER_MERCHANT, codeB]]);
      expect(r4?.vouchers.map((v) => [v.merchantId, v.code])).toEqual([[OTHER_MERCHANT, codeB]]);
      // The batch fetched B's row for B only: A's code was not read for B, B's not twice.
      const batch = rec.results[1] as UnknownRow[];
      expect(batch.map((r) => [String(r.merchant_id), String(r.code).trim()])).toEqual([
        [OTHER_MERCHANT, codeB],
      ]);
    });

    it("the direct read (inside a transaction) agrees", async () => {
      const rows = await system.store.transaction((tx) =>
        tx.itemsByCodesForUpdate(MERCHANT, [codeA, codeB], ctx(MERCHANT)),
      );
      expect(rows.vouchers.map((v) => v.code)).toEqual([codeA]);
    });
  });
}
