/**
 * Redeems racing on PostgreSQL over separate connections (on the embedded database, with one
 * connection, races prove nothing): one code raced by 50 → exactly one success, the others
 * R18 or R34; 200 redeems over 20 codes in random groupings and orders → no code redeemed
 * twice, no deadlock, only -3000102 / -9990452 among the failures.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { System } from "../../src/system.js";
import { count, itemRows, load, redeem } from "../support/core-harness.js";
import { postgresOnly } from "../support/databases.js";
import { prng } from "../support/prng.js";
import { type BuiltOrder, baseWorld, NOW, order, product } from "../support/world.js";

const P = "7200000000000000801";
const wait = { status: "WAIT_FULFILL" as const };

// Runs in the PostgreSQL pass (DATABASE_URL set); the embedded pass has one connection.
describe.runIf(postgresOnly().length > 0)("redeem races", () => {
  for (const database of postgresOnly()) {
    describe(`on ${database.name}`, () => {
      let system: System;
      const world = baseWorld();
      world.products = [product(P)];
      const single = Array.from({ length: 5 }, () => order({ productId: P, items: [wait] }));
      const rounds = Array.from({ length: 3 }, () =>
        Array.from({ length: 4 }, () => order({ productId: P, items: [wait, wait, wait, wait, wait] })),
      );
      world.orders = [...single.map((o) => o.order), ...rounds.flat().map((o) => o.order)];

      beforeAll(async () => {
        system = await database.open({ poolSize: 60, deadlineMs: 10_000 });
        await load(system, world);
        system.clock.freeze(NOW);
      });
      afterAll(async () => system?.close());

      it("50 concurrent redeems of one code: exactly one succeeds, the others R18 or R34", async () => {
        for (const { built } of single) {
          const results = await Promise.all(
            Array.from({ length: 50 }, () => redeem(system, built.shopOrderId, built.codes)),
          );
          const rows = results.map((r) => (r.ok ? "ok" : r.row));
          expect(rows.filter((r) => r === "ok")).toHaveLength(1);
          expect(rows.filter((r) => r !== "ok" && r !== "R18" && r !== "R34")).toEqual([]);
          const [item] = await itemRows(system, built.codes);
          expect([item?.voucher, item?.execution, item?.sub]).toEqual(["FINISH", "FINISH", "FINISH"]);
          const winner = results.find((r) => r.ok);
          expect(item?.redeemId).toBe(winner?.ok ? winner.value.redeemId : null);
        }
        expect(await count(system, "redemptions")).toBe(single.length);
        expect(await count(system, "outbox")).toBe(single.length);
      });

      it("200 concurrent redeems over 20 codes in random groupings never redeem a code twice nor deadlock", async () => {
        for (const [round, orders] of rounds.entries()) {
          const seed = 20261128 + round;
          const random = prng(seed);
          const requests = Array.from({ length: 200 }, () => {
            const o = orders[Math.floor(random() * orders.length)] as { built: BuiltOrder };
            const size = 1 + Math.floor(random() * 4);
            const codes = [...o.built.codes].sort(() => random() - 0.5).slice(0, size);
            return { shopOrderId: o.built.shopOrderId, codes };
          });
          const before = await count(system, "redemptions");
          const results = await Promise.all(requests.map((r) => redeem(system, r.shopOrderId, r.codes)));
          const failures = results.flatMap((r) => (r.ok ? [] : [r]));
          expect(
            failures.filter((f) => f.row !== "R18" && f.row !== "R34" && f.row !== "R24"),
            `seed ${seed}`,
          ).toEqual([]);
          expect(
            failures.filter((f) => /deadlock/i.test(f.cause)),
            `seed ${seed}`,
          ).toEqual([]);
          const redeemedBy = new Map<string, number>();
          results.forEach((r, i) => {
            if (!r.ok) return;
            for (const code of requests[i]?.codes ?? [])
              redeemedBy.set(code, (redeemedBy.get(code) ?? 0) + 1);
          });
          for (const [code, times] of redeemedBy) expect(times, `code ${code} (seed ${seed})`).toBe(1);
          const allCodes = orders.flatMap((o) => o.built.codes);
          const rows = await itemRows(system, allCodes);
          for (const r of rows) {
            const expected = redeemedBy.has(r.code) ? "FINISH" : "WAIT_FULFILL";
            expect([r.voucher, r.execution, r.sub], r.code).toEqual([expected, expected, expected]);
          }
          expect(await count(system, "redemptions")).toBe(before + results.filter((r) => r.ok).length);
        }
      });
    });
  }
});
