/**
 * A cancel of a redemption racing the refund of the same items, on PostgreSQL over separate
 * connections (issue 4). A cancel is refused once a refund is in progress (the sub-fulfillment
 * order is AFTER_SALE_PROCESSING), so the race that can go either way is the cancel against the
 * refund's request followed at once by its approval (or, in some trials, its closing): both run
 * at once, in a random order with a random head start. Whatever wins, the three records of every
 * item agree (CONTRACT.md section 5), the outcome is one a serial order explains, and each
 * change that committed wrote exactly one outbox event.
 *
 * Runs in the PostgreSQL pass (DATABASE_URL set); the embedded database has one connection, where
 * a race proves nothing.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveRefund, closeRefund, requestRefund } from "../../src/core/after-sale.js";
import { cancelRedemption } from "../../src/core/cancel-redemption.js";
import type { System } from "../../src/system.js";
import { itemRows, load, redeem } from "../support/core-harness.js";
import { postgresOnly } from "../support/databases.js";
import { prng } from "../support/prng.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../support/world.js";

const P = "7200000000000000811";
const TRIALS = 100;
const wait = { status: "WAIT_FULFILL" as const };

/** The agreeing states of CONTRACT.md section 5, as (voucher, execution order, sub-fulfillment order). */
function agree(v: string, x: string, s: string): boolean {
  if (v === "INIT") return x === "INIT" && s === "INIT";
  if (v === "WAIT_FULFILL" || v === "FINISH") return x === v && (s === v || s === "AFTER_SALE_PROCESSING");
  if (v === "AFTER_SALE_SUCCESS") return x === v && s === v;
  return false;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(postgresOnly().length > 0)("cancel racing a refund request and its approval", () => {
  for (const database of postgresOnly()) {
    describe(`on ${database.name}`, () => {
      let system: System;
      const world = baseWorld();
      world.products = [product(P)];
      const random = prng(20261129);
      const trials = Array.from({ length: TRIALS }, () =>
        order({ productId: P, items: Array.from({ length: 1 + Math.floor(random() * 3) }, () => wait) }),
      );
      world.orders = trials.map((t) => t.order);

      beforeAll(async () => {
        system = await database.open({ poolSize: 20, deadlineMs: 10_000 });
        await load(system, world);
        system.clock.freeze(NOW);
      });
      afterAll(async () => system?.close());

      it(`${TRIALS} trials: the three records always agree and the outcome is a serial one`, async () => {
        const tally = { cancelFirst: 0, refundFirst: 0 };
        for (const [i, { built }] of trials.entries()) {
          const redeemed = await redeem(system, built.shopOrderId, built.codes);
          if (!redeemed.ok) throw new Error(`trial ${i}: redeem failed with ${redeemed.row}`);
          const redeemId = redeemed.value.redeemId;
          const eventsBefore = await events(system, built.shopOrderId);

          const headStart = Math.floor(random() * 4);
          const cancelFirst = random() < 0.5;
          const approve = random() < 0.75;
          const cancel = async () => {
            if (!cancelFirst) await sleep(headStart);
            return cancelRedemption(system.cancelDeps, {
              merchantId: MERCHANT,
              appId: null,
              thirdShopId: SHOP_1,
              redeemId,
            });
          };
          const refund = async () => {
            if (cancelFirst) await sleep(headStart);
            const requested = await requestRefund(
              system.afterSaleDeps,
              MERCHANT,
              built.shopOrderId,
              built.itemIds,
            );
            if (!requested.ok) return { requested, settled: null };
            const id = requested.value.afterSaleOrderId;
            const settled = approve
              ? await approveRefund(system.afterSaleDeps, MERCHANT, id)
              : await closeRefund(system.afterSaleDeps, MERCHANT, id);
            return { requested, settled };
          };
          const [cancelled, refunded] = await Promise.all([cancel(), refund()]);
          const label = `trial ${i} (${built.codes.length} items, ${cancelFirst ? "cancel" : "refund"} first by ${headStart} ms, refund ${approve ? "approved" : "closed"}): cancel ${cancelled.ok ? "ok" : cancelled.cause}, request ${refunded.requested.ok ? "ok" : refunded.requested.cause}, settle ${refunded.settled === null ? "-" : refunded.settled.ok ? "ok" : refunded.settled.cause}`;

          const rows = await itemRows(system, built.codes);
          expect(rows, label).toHaveLength(built.codes.length);
          for (const r of rows)
            expect(
              agree(r.voucher, r.execution, r.sub),
              `${label}: ${r.code} ${r.voucher}/${r.execution}/${r.sub}`,
            ).toBe(true);

          // The refund itself never loses: its request and its settling each lock the items first.
          expect(refunded.requested.ok && refunded.settled?.ok, label).toBe(true);
          // The cancel wins when it comes first; after the refund request it is refused.
          if (!cancelled.ok) expect(cancelled.cause, label).toBe("moved_on");
          const states = new Set(rows.map((r) => `${r.voucher}/${r.execution}/${r.sub}`));
          const expected = approve
            ? "AFTER_SALE_SUCCESS/AFTER_SALE_SUCCESS/AFTER_SALE_SUCCESS"
            : cancelled.ok
              ? "WAIT_FULFILL/WAIT_FULFILL/WAIT_FULFILL"
              : "FINISH/FINISH/FINISH";
          expect(states, label).toEqual(new Set([expected]));
          expect(await redemptionStatus(system, redeemId), label).toBe(
            cancelled.ok ? "CANCELLED" : "REDEEMED",
          );
          // One event per change that committed: the cancel, the refund request, its settling.
          const added = (await events(system, built.shopOrderId)) - eventsBefore;
          expect(added, label).toBe((cancelled.ok ? 1 : 0) + 2);

          if (cancelled.ok) tally.cancelFirst++;
          else tally.refundFirst++;
        }
        console.info(`[cancel vs refund] ${TRIALS} trials: ${JSON.stringify(tally)}`);
        // Both orders happened: the race really raced.
        expect(tally.cancelFirst).toBeGreaterThan(0);
        expect(tally.refundFirst).toBeGreaterThan(0);
      });
    });
  }
});

async function events(system: System, shopOrderId: string): Promise<number> {
  const r = await sql<{
    n: string;
  }>`SELECT count(*)::text AS n FROM outbox WHERE shop_order_id = ${shopOrderId}::bigint`.execute(
    system.database.db,
  );
  return Number(r.rows[0]?.n ?? 0);
}

async function redemptionStatus(system: System, redeemId: string): Promise<string | undefined> {
  const r = await sql<{
    status: string;
  }>`SELECT status FROM redemptions WHERE redeem_id = ${redeemId}::bigint`.execute(system.database.db);
  return r.rows[0]?.status;
}
