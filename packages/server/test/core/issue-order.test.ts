/**
 * Placing a shop order when a drawn code is already taken (the store's unique index answers
 * CodeTaken): the issue draws again and succeeds with a fresh code; a source that never stops
 * colliding ends on codes_exhausted, with nothing written. On both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueShopOrder } from "../../src/core/issue-order.js";
import type { CodeSource } from "../../src/core/ports.js";
import type { System } from "../../src/system.js";
import { load } from "../support/core-harness.js";
import { testDatabases } from "../support/databases.js";
import { baseWorld, MERCHANT, NOW, order, product } from "../support/world.js";

const P = "7200000000000000821";

/** Yields the given codes in turn, then fresh ones (the last digits counting up). */
function codesFrom(first: string[], fresh = true): CodeSource & { drawn: string[] } {
  let n = 0;
  const drawn: string[] = [];
  return {
    drawn,
    nextCode() {
      const code = first[n] ?? (fresh ? `8${String(n).padStart(11, "0")}` : (first.at(-1) as string));
      n += 1;
      drawn.push(code);
      return code;
    },
  };
}

describe("issuing a shop order when a code collides", () => {
  for (const database of testDatabases()) {
    describe(`on ${database.name}`, () => {
      let system: System;
      const world = baseWorld();
      world.products = [product(P)];
      const existing = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
      world.orders = [existing.order];
      const taken = existing.built.codes[0] as string;
      const cmd = { merchantId: MERCHANT, productId: P, userId: "6900000000000000001", quantity: 1 };

      beforeAll(async () => {
        system = await database.open();
        await load(system, world);
        system.clock.freeze(NOW);
      });
      afterAll(async () => system?.close());

      const vouchersWith = async (code: string) =>
        (await system.database.db.selectFrom("vouchers").select("code").where("code", "=", code).execute())
          .length;

      it("a code already taken is drawn again: the order is issued with a fresh code", async () => {
        const codes = codesFrom([taken]);
        const issued = await issueShopOrder({ ...system.issueDeps, codes }, cmd);
        if (!issued.ok) throw new Error(`issue failed: ${issued.cause}`);
        expect(codes.drawn).toHaveLength(2);
        expect(issued.value.items).toHaveLength(1);
        const fresh = issued.value.items[0]?.code as string;
        expect(fresh).toBe(codes.drawn[1]);
        expect(fresh).not.toBe(taken);
        expect(await vouchersWith(fresh)).toBe(1);
        expect(await vouchersWith(taken)).toBe(1);
      });

      it("a source that always collides ends on codes_exhausted and writes nothing", async () => {
        const codes = codesFrom([taken], false);
        const before = await system.database.db
          .selectFrom("shop_orders")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .executeTakeFirstOrThrow();
        const issued = await issueShopOrder({ ...system.issueDeps, codes }, cmd);
        expect(issued).toEqual({
          ok: false,
          row: "invalid_params",
          cause: "codes_exhausted",
          message: "codes_exhausted",
        });
        expect(codes.drawn.length).toBeGreaterThan(1);
        expect(codes.drawn.every((c) => c === taken)).toBe(true);
        const after = await system.database.db
          .selectFrom("shop_orders")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .executeTakeFirstOrThrow();
        expect(Number(after.n)).toBe(Number(before.n));
        expect(await vouchersWith(taken)).toBe(1);
      });
    });
  }
});
