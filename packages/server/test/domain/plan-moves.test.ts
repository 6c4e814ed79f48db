/**
 * planMoves: the conditional moves every writer applies come from the state machine. Checked
 * over every agreeing state × event with records at distinct versions: a record moves exactly
 * when its status changes (the voucher also when fields are written), from what was read; the
 * first item the machine refuses stops the plan.
 */
import { describe, expect, it } from "vitest";
import {
  agrees,
  ITEM_EVENTS,
  type ItemRecords,
  type ItemState,
  nextItemState,
  planMoves,
} from "../../src/domain/item-state.js";
import { STATUSES } from "../../src/domain/status.js";

const records = (id: string, s: ItemState): ItemRecords => ({
  voucher: { itemOrderId: id, version: 3, status: s.voucher },
  execution: { itemOrderId: id, version: 5, status: s.execution },
  sub: { itemOrderId: id, version: 7, status: s.sub },
});

const agreeing: ItemState[] = [];
for (const voucher of STATUSES)
  for (const execution of STATUSES)
    for (const sub of STATUSES) {
      const s = { voucher, execution, sub };
      if (agrees(s)) agreeing.push(s);
    }

describe("planMoves", () => {
  it("there are agreeing states to check", () => {
    expect(agreeing.length).toBeGreaterThanOrEqual(6);
  });

  for (const event of ITEM_EVENTS)
    for (const state of agreeing) {
      const next = nextItemState(state, event);
      it(`${event} from ${state.voucher}/${state.execution}/${state.sub}`, () => {
        for (const voucherAlways of [false, true]) {
          const plan = planMoves([records("11", state)], event, voucherAlways);
          if (!next) {
            expect(plan.refused).toEqual({ itemOrderId: "11", state });
            continue;
          }
          expect(plan.refused).toBeNull();
          expect(plan.before).toEqual([state]);
          const expected = (version: number, from: string, to: string, always = false) =>
            from !== to || always
              ? [{ itemOrderId: "11", fromVersion: version, fromStatus: from, toStatus: to }]
              : [];
          expect(plan.vouchers).toEqual(expected(3, state.voucher, next.voucher, voucherAlways));
          expect(plan.executions).toEqual(expected(5, state.execution, next.execution));
          expect(plan.subs).toEqual(expected(7, state.sub, next.sub));
        }
      });
    }

  it("names the first refused item, in the order given", () => {
    const wait: ItemState = { voucher: "WAIT_FULFILL", execution: "WAIT_FULFILL", sub: "WAIT_FULFILL" };
    const done: ItemState = { voucher: "FINISH", execution: "FINISH", sub: "FINISH" };
    const plan = planMoves([records("1", wait), records("2", done), records("3", done)], "redeem");
    expect(plan.refused).toEqual({ itemOrderId: "2", state: done });
  });

  it("redeem moves all three records of every item to FINISH", () => {
    const wait: ItemState = { voucher: "WAIT_FULFILL", execution: "WAIT_FULFILL", sub: "WAIT_FULFILL" };
    const plan = planMoves([records("1", wait), records("2", wait)], "redeem", true);
    expect(plan.refused).toBeNull();
    for (const list of [plan.vouchers, plan.executions, plan.subs]) {
      expect(list.map((m) => [m.itemOrderId, m.toStatus])).toEqual([
        ["1", "FINISH"],
        ["2", "FINISH"],
      ]);
    }
  });
});
