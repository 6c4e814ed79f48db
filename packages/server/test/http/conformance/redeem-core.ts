/** Conformance, redeem_code: the core rows (R9–R34), by request, data state, business clock and fault point. */
import { expect, it } from "vitest";
import { catalogueRow, type RowId } from "../../../src/domain/catalogue.js";
import { NOW } from "../../support/world.js";
import { type Conformance, codeList, DEADLINE_MS } from "./support.js";

export function redeemCoreRows(c: Conformance): void {
  const { query, redeem, setClock, arm, typed, redeemBody, expectRow, expectOk, o } = c;

  it("R9: fault redeem.core_timeout; the answer comes within the deadline (+1 s) and nothing is written", async () => {
    expect(catalogueRow("R9").fault).toBe("redeem.core_timeout");
    await arm("redeem.core_timeout");
    const started = Date.now();
    const a = await redeem(redeemBody("faultR9"));
    const took = Date.now() - started;
    expectRow(a, "R9", `fault redeem.core_timeout, deadline ${DEADLINE_MS} ms, answered in ${took} ms`);
    expect(took).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(took).toBeLessThan(DEADLINE_MS + 1000);
    await new Promise((r) => setTimeout(r, 100));
    const after = expectOk(await query(typed(o("faultR9").codes)), "R9: the order after");
    expect(codeList(after)[0]?.redemption_status).toBe(100);
  });

  it("R10: shop_order_id is not a decimal id", async () => {
    expectRow(await redeem(redeemBody("rGate", { shop_order_id: "58x" })), "R10", "letters");
    expectRow(await redeem(redeemBody("rGate", { shop_order_id: "" })), "R10", "empty");
    expectRow(
      await redeem(redeemBody("rGate", { shop_order_id: "99999999999999999999" })),
      "R10",
      "beyond int64",
    );
    expectRow(await redeem(redeemBody("rGate", { shop_order_id: "-1" })), "R10", "negative");
  });

  it("R12: a code that is not exactly 12 digits", async () => {
    expectRow(await redeem(redeemBody("rGate", { code_list: ["12345"] })), "R12", "5 digits");
    expectRow(await redeem(redeemBody("rGate", { code_list: ["1234567890123"] })), "R12", "13 digits");
    expectRow(await redeem(redeemBody("rGate", { code_list: ["12345678901a"] })), "R12", "a letter");
    expectRow(
      await redeem(redeemBody("rGate", { code_list: [o("rGate").codes[0], "12345"] })),
      "R12",
      "one bad code among good ones",
    );
  });

  const coreFaults: [row: string, point: string][] = [
    ["R11", "redeem.redeem_id"],
    ["R13", "redeem.voucher_read"],
    ["R20", "redeem.exec_order_read"],
    ["R26", "redeem.sub_order_read"],
    ["R27", "redeem.shop_snapshot_read"],
    ["R33", "redeem.event_id"],
    ["R34", "redeem.update_conflict"],
  ];
  for (const [row, point] of coreFaults) {
    it(`${row}: fault ${point}; nothing is written, and the same request then succeeds`, async () => {
      expect(catalogueRow(row as RowId).fault).toBe(point);
      await arm(point);
      expectRow(await redeem(redeemBody(`fault${row}`)), row, `fault ${point}`);
      const after = expectOk(await query(typed(o(`fault${row}`).codes)), `${row}: the order after`);
      expect(codeList(after)[0]?.redemption_status).toBe(100);
      expectOk(await redeem(redeemBody(`fault${row}`)), `${row}: the retry`);
    });
  }

  it("R14: an unknown code, a code of another shop order, a code of another merchant", async () => {
    expectRow(await redeem(redeemBody("rGate", { code_list: ["000000000001"] })), "R14", "an unknown code");
    expectRow(
      await redeem(redeemBody("rGate", { code_list: [...o("rGate").codes, ...o("q2").codes] })),
      "R14",
      "a code of another shop order",
    );
    expectRow(
      await redeem(redeemBody("otherMerchant", { code_list: o("otherMerchant").codes })),
      "R14",
      "another merchant's order and code",
    );
    expectRow(
      await redeem(redeemBody("rGate", { shop_order_id: "5899999999999999999" })),
      "R14",
      "an unknown shop order",
    );
  });

  it("R15–R19: the voucher's own states, windows and the business clock", async () => {
    expectRow(await redeem(redeemBody("refunded")), "R15", "voucher AFTER_SALE_SUCCESS");
    expectRow(await redeem(redeemBody("refundedAndExpired")), "R15", "refunded and expired: refunded wins");
    expectRow(await redeem(redeemBody("future")), "R16", "before the window starts");
    expectRow(await redeem(redeemBody("weekend")), "R16", "an unusable weekday");
    expectRow(await redeem(redeemBody("evening")), "R16", "outside the usable hours");
    expectRow(await redeem(redeemBody("holiday")), "R16", "on a holiday");
    await setClock(NOW + 13 * 3600); // 23:00 local, past 08:00–22:00
    expectRow(await redeem(redeemBody("daytime")), "R16", "clock moved outside the usable hours");
    await setClock(NOW + 2 * 3600); // an hour past the window's end
    expectRow(await redeem(redeemBody("endsSoon")), "R17", "clock moved past the window's end");
    await setClock(NOW);
    expectRow(await redeem(redeemBody("past")), "R17", "window ended yesterday");
    expectRow(await redeem(redeemBody("used")), "R18", "voucher FINISH");
    expectRow(await redeem(redeemBody("init")), "R19", "voucher INIT");
    // the clock-driven ones are redeemable in their time: the rows came from the clock
    expectOk(await redeem(redeemBody("endsSoon")), "endsSoon at NOW");
    expectOk(await redeem(redeemBody("daytime")), "daytime at 10:00");
  });

  it("R21–R25: the execution order's own states and window (data and clock)", async () => {
    expectRow(await redeem(redeemBody("execRefunded")), "R21", "execution order AFTER_SALE_SUCCESS");
    expectRow(await redeem(redeemBody("execSlot")), "R22", "before the booked slot");
    await setClock(NOW + 3 * 3600);
    expectRow(await redeem(redeemBody("execSlot")), "R23", "clock moved past the booked slot");
    await setClock(NOW);
    expectRow(await redeem(redeemBody("execSlotOver")), "R23", "the booked slot is over");
    expectRow(await redeem(redeemBody("execUsed")), "R24", "execution order FINISH");
    expectRow(await redeem(redeemBody("execInit")), "R25", "execution order INIT");
    expectRow(
      await redeem(redeemBody("mixedStages")),
      "R18",
      "voucher stage before execution stage, whatever the code order",
    );
  });

  it("R28–R32: the sub-fulfillment order's states and snapshot, with their precedence", async () => {
    expectRow(await redeem(redeemBody("noShop")), "R28", "the snapshot lists no shop");
    expectRow(await redeem(redeemBody("subRefunded")), "R29", "sub-fulfillment order AFTER_SALE_SUCCESS");
    expectRow(await redeem(redeemBody("refunding")), "R30", "after-sale in progress");
    expectRow(
      await redeem(redeemBody("refundingNoShop")),
      "R30",
      "after-sale in progress beats no applicable shop",
    );
    expectRow(await redeem(redeemBody("otherShop")), "R31", "the snapshot lists only S-002");
    expectRow(await redeem(redeemBody("subInit")), "R32", "sub-fulfillment order INIT");
  });

  it("R34 (concurrency): concurrent redeems of one code, exactly one succeeds; the rest answer -3000102 or -9990452", async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => redeem(redeemBody("concurrent"))));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect(["-3000102", "-9990452"]).toContain(a.json.error.code);
      const row =
        a.json.error.message === "FulfillRedeemUpdateConflict"
          ? "R34"
          : a.json.error.message === "FulfillVoucherAlreadyUsed"
            ? "R18"
            : "R24";
      expectRow(a, row, "a concurrent redeem of the same code");
    }
  });
}
