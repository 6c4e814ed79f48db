/**
 * Which named codes resolve for a caller (the enumeration budget's misses are the rest): a
 * voucher of the caller's merchant usable at one of its shops. Pure; every branch.
 */
import { describe, expect, it } from "vitest";
import { missCount, resolveCodes } from "../../src/core/item-checks.js";
import type { VoucherRecord } from "../../src/core/records.js";

const M = "7000000000000000001";
const OTHER = "7000000000000000002";

function voucher(code: string, itemOrderId: string, merchantId = M): VoucherRecord {
  return {
    itemOrderId,
    code,
    shopOrderId: "5800000000000000001",
    merchantId,
    productId: "7200000000000000001",
    status: "WAIT_FULFILL",
    startTime: null,
    endTime: null,
    version: 1,
    redeemId: null,
    redeemedShopId: null,
    redeemedThirdShopId: null,
    redemptionSource: null,
    redeemTime: null,
  };
}

const atShop1 = voucher("100000000001", "1");
const atShop2 = voucher("100000000002", "2");
const othersCode = voucher("100000000003", "3", OTHER);
const snapshots = [
  { itemOrderId: "1", thirdShopIds: ["S-001"] },
  { itemOrderId: "2", thirdShopIds: ["S-002"] },
  { itemOrderId: "3", thirdShopIds: ["S-001"] },
];
const named = ["100000000001", "100000000002", "100000000003", "999999999999"];

describe("code resolution", () => {
  it("a caller of every shop resolves every code of its merchant, never another merchant's", () => {
    const r = resolveCodes(M, [], [atShop1, atShop2, othersCode], snapshots);
    expect([...r.resolved].sort()).toEqual(["100000000001", "100000000002"]);
    expect(missCount(named, r)).toBe(2);
  });

  it("a shop-limited caller resolves only codes usable at its shops", () => {
    const r = resolveCodes(M, ["S-001"], [atShop1, atShop2, othersCode], snapshots);
    expect([...r.resolved]).toEqual(["100000000001"]);
    expect(missCount(named, r)).toBe(3);
  });

  it("without the snapshots (a replica's first read) the merchant's codes get the benefit of the doubt", () => {
    const r = resolveCodes(M, ["S-001"], [atShop1, atShop2, othersCode], null);
    expect([...r.resolved].sort()).toEqual(["100000000001", "100000000002"]);
    expect(missCount(named, r)).toBe(2);
  });

  it("codes whose records were never read count nothing; a code named twice counts once", () => {
    expect(missCount(named, undefined)).toBe(0);
    expect(missCount(["999999999999", "999999999999"], resolveCodes(M, [], [], snapshots))).toBe(1);
  });
});
