/**
 * The wire module's reconcile verdict and how a redeem that stops trying ends (`endOfRedeem`):
 * on the truth of its last answer, so a recheck answered after a failed attempt outranks it.
 */
import { describe, expect, it } from "vitest";
import {
  type CodeItem,
  endOfRedeem,
  type Failure,
  type LookupData,
  RedemptionSource,
  RedemptionStatus,
  reconcile,
} from "../src/wire/index.js";

const SHOP = "S-001";
const ORDER = "5800000000000000001";

function item(code: string, over: Partial<CodeItem> = {}): CodeItem {
  return {
    code,
    item_order_id: `6${code}`,
    product_name: "Coffee set for two",
    goods_image_url: "",
    refund_rule_desc: "",
    crossed_amount: "120000",
    sale_amount: "99000",
    currency: "IDR",
    code_can_use_time: { start_time: 0, end_time: 0 },
    code_cannot_use_date: { enable: false, content_list: [] },
    redemption_status: RedemptionStatus.WAIT_FULFILL,
    product_id: "7200000000000000001",
    third_product_id: "",
    redeemed_third_shop_id: "",
    ...over,
  };
}

const found = (...code_list: CodeItem[]): LookupData => ({ shop_order_id: ORDER, code_list });
const target = (...codes: string[]) => ({ thirdShopId: SHOP, shopOrderId: ORDER, codes });

const NO_ANSWER: Failure = {
  kind: "network",
  handling: "recheck",
  message: "TransportFailed",
  description: "the connection failed: connect ECONNREFUSED",
  timedOut: false,
  httpStatus: 0,
  logId: null,
};

describe("endOfRedeem: the last answer decides", () => {
  it("no answer, then a recheck answered 200 with the code still WAIT_FULFILL: not redeemed, still redeemable", () => {
    const state = reconcile(target("111111111111"), found(item("111111111111")));
    expect(state.verdict).toBe("redeemable");
    const end = endOfRedeem(NO_ANSWER, state);
    expect(end.kind).toBe("redeemable");
    if (end.kind !== "redeemable") return;
    expect(end.redeemable.map((i) => i.code)).toEqual(["111111111111"]);
    expect(end.after).toBe(NO_ANSWER);
  });

  it("a recheck that found the code redeemed here: redeemed", () => {
    const done = item("111111111111", {
      redemption_status: RedemptionStatus.FINISH,
      redeem_id: "7300000000000000001",
      redemption_source: RedemptionSource.SAAS,
      redeemed_third_shop_id: SHOP,
      redeem_time: 1_764_558_000,
    });
    expect(endOfRedeem(NO_ANSWER, reconcile(target("111111111111"), found(done)))).toEqual({
      kind: "redeemed",
    });
  });

  it("no recheck answered after the failure: the failure stands", () => {
    expect(endOfRedeem(NO_ANSWER, null)).toEqual({ kind: "failed", failure: NO_ANSWER });
  });

  it("a recheck that found the code used at another shop: the failure stands (blocked)", () => {
    const elsewhere = item("111111111111", {
      redemption_status: RedemptionStatus.FINISH,
      redeem_id: "7300000000000000002",
      redemption_source: RedemptionSource.SAAS,
      redeemed_third_shop_id: "S-002",
    });
    const state = reconcile(target("111111111111"), found(elsewhere));
    expect(state.verdict).toBe("blocked");
    expect(endOfRedeem(NO_ANSWER, state)).toEqual({ kind: "failed", failure: NO_ANSWER });
  });
});
