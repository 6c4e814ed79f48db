/**
 * Every core row R10–R34 (and the deadline, R9) produced through its real cause: a state, the
 * business clock, or a fault point that makes the port itself fail. On both databases.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { System } from "../../src/system.js";
import { count, itemRows, load, redeem } from "../support/core-harness.js";
import { testDatabases } from "../support/databases.js";
import { scenarioWorld, wait } from "../support/redeem-row-world.js";
import { MERCHANT, NOW, OTHER_MERCHANT } from "../support/world.js";

for (const database of testDatabases()) {
  describe(`redeem rows on ${database.name}`, () => {
    let system: System;
    const { world, P, add, o, addRowScenarios } = scenarioWorld("72000000000000000");
    add("ok", P.any, [wait, wait]);
    add("ok2", P.any, [wait]);
    addRowScenarios();
    add("otherMerchant", P.other, [wait]);

    beforeAll(async () => {
      system = await database.open({ deadlineMs: 1000 });
      await load(system, world);
    });
    afterAll(async () => system?.close());
    beforeEach(() => {
      system.faults.clear();
      system.clock.freeze(NOW);
    });

    const expectRow = async (promise: ReturnType<typeof redeem>, row: string) => {
      const result = await promise;
      expect(result.ok ? "ok" : result.row).toBe(row);
    };

    it("redeems all codes of a request together and writes one redemption and one event", async () => {
      const before = await count(system, "outbox");
      const result = await redeem(system, o("ok").shopOrderId, o("ok").codes);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.value.redeemId).toMatch(/^\d+$/);
      const rows = await itemRows(system, o("ok").codes);
      for (const r of rows) {
        expect([r.voucher, r.execution, r.sub]).toEqual(["FINISH", "FINISH", "FINISH"]);
        expect(r.redeemId).toBe(result.value.redeemId);
      }
      expect(await count(system, "outbox")).toBe(before + 1);
      const rec = await system.store.primary.redemption(result.value.redeemId, {
        merchantId: MERCHANT,
        fault: null,
      });
      expect(rec?.codes).toEqual(o("ok").codes);
      expect(rec?.redeemTime).toBe(NOW);
    });

    it("R10: a shop_order_id that is not a decimal id", async () => {
      await expectRow(redeem(system, "58x", o("ok2").codes), "R10");
      await expectRow(redeem(system, "99999999999999999999", o("ok2").codes), "R10");
    });

    it("R11: the redeem id generator fails (fault point)", async () => {
      system.faults.arm("redeem.redeem_id", 1, null);
      await expectRow(redeem(system, o("ok2").shopOrderId, o("ok2").codes), "R11");
    });

    it("R12: a code that is not exactly 12 digits", async () => {
      await expectRow(redeem(system, o("ok2").shopOrderId, ["12345"]), "R12");
      await expectRow(redeem(system, o("ok2").shopOrderId, ["12345678901a"]), "R12");
    });

    it("R13: reading vouchers fails (fault point)", async () => {
      system.faults.arm("redeem.voucher_read", 1, null);
      await expectRow(redeem(system, o("ok2").shopOrderId, o("ok2").codes), "R13");
    });

    it("a fault scoped to another merchant does not fire", async () => {
      system.faults.arm("redeem.voucher_read", 1, OTHER_MERCHANT);
      await expectRow(redeem(system, o("future").shopOrderId, o("future").codes), "R16");
      expect(system.faults.list()).toHaveLength(1);
    });

    it("R14: an unknown code, a code of another shop order, a code of another merchant", async () => {
      await expectRow(redeem(system, o("ok2").shopOrderId, ["000000000001"]), "R14");
      await expectRow(redeem(system, o("ok2").shopOrderId, [...o("ok2").codes, ...o("used").codes]), "R14");
      await expectRow(redeem(system, o("otherMerchant").shopOrderId, o("otherMerchant").codes), "R14");
    });

    it("R15: a refunded voucher, even when also expired (refunded > expired)", async () => {
      await expectRow(redeem(system, o("refunded").shopOrderId, o("refunded").codes), "R15");
      await expectRow(
        redeem(system, o("refundedAndExpired").shopOrderId, o("refundedAndExpired").codes),
        "R15",
      );
    });

    it("R16: before the window, on an unusable weekday, outside the hours, on a holiday", async () => {
      for (const name of ["future", "weekend", "evening", "holiday"]) {
        await expectRow(redeem(system, o(name).shopOrderId, o(name).codes), "R16");
      }
    });

    it("R16 turns into success when the business clock reaches the usable hours", async () => {
      system.clock.freeze(NOW + 9 * 3600); // 19:00 local
      const r = await redeem(system, o("evening").shopOrderId, o("evening").codes);
      expect(r.ok).toBe(true);
    });

    it("R17: past the voucher's end", async () => {
      await expectRow(redeem(system, o("past").shopOrderId, o("past").codes), "R17");
    });

    it("R18: already used", async () => {
      await expectRow(redeem(system, o("used").shopOrderId, o("used").codes), "R18");
    });

    it("R19: a voucher in INIT", async () => {
      await expectRow(redeem(system, o("init").shopOrderId, o("init").codes), "R19");
    });

    it("R20: reading execution orders fails (fault point)", async () => {
      system.faults.arm("redeem.exec_order_read", 1, null);
      await expectRow(redeem(system, o("ok2").shopOrderId, o("ok2").codes), "R20");
    });

    it("R21–R25: the execution order's own states and window", async () => {
      await expectRow(redeem(system, o("execRefunded").shopOrderId, o("execRefunded").codes), "R21");
      await expectRow(redeem(system, o("execSlot").shopOrderId, o("execSlot").codes), "R22");
      await expectRow(redeem(system, o("execSlotOver").shopOrderId, o("execSlotOver").codes), "R23");
      await expectRow(redeem(system, o("execUsed").shopOrderId, o("execUsed").codes), "R24");
      await expectRow(redeem(system, o("execInit").shopOrderId, o("execInit").codes), "R25");
    });

    it("R26: reading sub-fulfillment orders fails (fault point)", async () => {
      system.faults.arm("redeem.sub_order_read", 1, null);
      await expectRow(redeem(system, o("ok2").shopOrderId, o("ok2").codes), "R26");
    });

    it("R27: reading the shop snapshot fails (fault point)", async () => {
      system.faults.arm("redeem.shop_snapshot_read", 1, null);
      await expectRow(redeem(system, o("ok2").shopOrderId, o("ok2").codes), "R27");
    });

    it("R28–R32: the sub-fulfillment order's states and snapshot, with their precedence", async () => {
      await expectRow(redeem(system, o("noShop").shopOrderId, o("noShop").codes), "R28");
      await expectRow(redeem(system, o("subRefunded").shopOrderId, o("subRefunded").codes), "R29");
      await expectRow(redeem(system, o("refunding").shopOrderId, o("refunding").codes), "R30");
      await expectRow(redeem(system, o("refundingNoShop").shopOrderId, o("refundingNoShop").codes), "R30");
      await expectRow(redeem(system, o("otherShop").shopOrderId, o("otherShop").codes), "R31");
      await expectRow(redeem(system, o("subInit").shopOrderId, o("subInit").codes), "R32");
    });

    it("the first failing stage answers, whatever the order of the codes", async () => {
      // code 1 fails the execution stage, code 2 the voucher stage: the voucher stage comes first.
      await expectRow(redeem(system, o("mixedStages").shopOrderId, o("mixedStages").codes), "R18");
    });

    it("R33: the event id generator fails (fault point)", async () => {
      system.faults.arm("redeem.event_id", 1, null);
      await expectRow(redeem(system, o("ok2").shopOrderId, o("ok2").codes), "R33");
    });

    it("R34: the conditional update matches nothing (fault point) and nothing is written", async () => {
      const events = await count(system, "outbox");
      system.faults.arm("redeem.update_conflict", 1, null);
      await expectRow(redeem(system, o("ok2").shopOrderId, o("ok2").codes), "R34");
      const [row] = await itemRows(system, o("ok2").codes);
      expect([row?.voucher, row?.execution, row?.sub]).toEqual([
        "WAIT_FULFILL",
        "WAIT_FULFILL",
        "WAIT_FULFILL",
      ]);
      expect(await count(system, "outbox")).toBe(events);
    });

    it("a commit that fails after the updates leaves nothing partial", async () => {
      const events = await count(system, "outbox");
      const redemptions = await count(system, "redemptions");
      system.faults.arm("redeem.commit", 1, null);
      await expectRow(redeem(system, o("ok2").shopOrderId, o("ok2").codes), "R34");
      const [row] = await itemRows(system, o("ok2").codes);
      expect([row?.voucher, row?.execution, row?.sub]).toEqual([
        "WAIT_FULFILL",
        "WAIT_FULFILL",
        "WAIT_FULFILL",
      ]);
      expect(await count(system, "outbox")).toBe(events);
      expect(await count(system, "redemptions")).toBe(redemptions);
    });

    it("R9: the core stalls past its deadline, answers within it, and rolls back", async () => {
      system.faults.arm("redeem.core_timeout", 1, null);
      const started = Date.now();
      await expectRow(redeem(system, o("ok2").shopOrderId, o("ok2").codes), "R9");
      expect(Date.now() - started).toBeLessThan(2500);
      await new Promise((r) => setTimeout(r, 200));
      const [row] = await itemRows(system, o("ok2").codes);
      expect(row?.voucher).toBe("WAIT_FULFILL");
      // and the same code redeems once the fault is gone
      const r = await redeem(system, o("ok2").shopOrderId, o("ok2").codes);
      expect(r.ok).toBe(true);
    });
  });
}
