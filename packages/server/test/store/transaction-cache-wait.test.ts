/**
 * A transaction never waits for a rule read still in flight outside it. That read may itself be
 * waiting for the connection the transaction holds: with one connection (the embedded database,
 * or a pool, or pgBouncer's server pool, exhausted by such transactions) neither could move until
 * the query timeout, which answered R13 through pgBouncer (issue 15, item 3). The pool here has
 * one connection, so the outside read is queued behind the transaction for certain.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KyselyFulfillmentStore } from "../../src/store/fulfillment-store.js";
import { ReadCache } from "../../src/store/read-cache.js";
import type { System } from "../../src/system.js";
import { load } from "../support/core-harness.js";
import { testDatabases } from "../support/databases.js";
import { baseWorld, MERCHANT, product } from "../support/world.js";

const P = "7200000000000003001";
const ctx = { merchantId: MERCHANT, fault: null };

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms),
    ),
  ]);
}

for (const database of testDatabases()) {
  describe(`a transaction beside a rule read in flight, on ${database.name}`, () => {
    let system: System;

    beforeAll(async () => {
      system = await database.open({ poolSize: 1 });
      const world = baseWorld();
      world.products = [product(P)];
      await load(system, world);
    });
    afterAll(async () => system?.close());

    it("reads the rule on its own connection instead of joining the read that waits for it", async () => {
      const store = new KyselyFulfillmentStore(
        system.database.db,
        system.faults,
        undefined,
        new ReadCache(60_000),
      );
      let outside: Promise<unknown> | undefined;
      const inside = store.transaction(async (tx) => {
        // The transaction holds the only connection from here on.
        await tx.holidays("ID", ctx);
        outside = store.primary.products([P], ctx);
        return tx.products([P], ctx);
      });
      const products = await within(5_000, inside);
      expect(products.map((p) => p.productId)).toEqual([P]);
      await within(5_000, outside as Promise<unknown>);
    });

    it("still serves a transaction from a finished read", async () => {
      const cache = new ReadCache(60_000);
      const store = new KyselyFulfillmentStore(system.database.db, system.faults, undefined, cache);
      const first = await store.primary.products([P], ctx);
      const again = await store.transaction((tx) => tx.products([P], ctx));
      expect(again).toBe(first);
    });

    it("fills the cache from a transaction's own read, for the readers after it", async () => {
      const store = new KyselyFulfillmentStore(
        system.database.db,
        system.faults,
        undefined,
        new ReadCache(60_000),
      );
      const inside = await store.transaction((tx) => tx.products([P], ctx));
      expect(await store.primary.products([P], ctx)).toBe(inside);
    });
  });
}
