/**
 * The error catalogue against CONTRACT.md section 6, transcribed here by hand: every G and R
 * row with its exact code, message, handling and fault point, HTTP 500, in the seed's order.
 */
import { describe, expect, it } from "vitest";
import {
  CATALOGUE,
  type CatalogueRow,
  catalogueRow,
  EXTRA_FAULT_POINTS,
  FAULT_POINTS,
  findRow,
  type Handling,
  isTransient,
  type RowId,
} from "../../src/domain/catalogue.js";

type Spec = [row: string, code: string, message: string, handling: Handling, fault: string | null];

/** CONTRACT.md section 6, rows G1–G22, in order. */
const G_ROWS: Spec[] = [
  ["G1", "-9990001", "FulfillParamInvalid", "none", null],
  ["G2", "-3000000", "FulfillVerifierNoShopPermission", "none", null],
  ["G3", "-9990001", "FulfillInputCodeNotInteger", "none", null],
  ["G4", "-3000000", "FulfillVerifierNoScanPermission", "none", null],
  ["G5", "-3000111", "FulfillCertificateNotFound", "none", null],
  ["G6", "-3000103", "FulfillNoCodeUsableAtShop", "none", null],
  ["G7", "-9990202", "FulfillGetScanPermissionFailed", "retry", "query.scan_permission"],
  ["G8", "-9990202", "FulfillGetShopPermissionFailed", "retry", "query.shop_permission"],
  ["G9", "-9990202", "FulfillGetMainAccountFailed", "retry", "query.main_account"],
  ["G10", "-3000110", "FulfillQRCodeBase64DecodeFailed", "rescan", null],
  ["G11", "-3000110", "FulfillQRCodeDecryptFailed", "rescan", null],
  ["G12", "-9995000", "FulfillQRCodeDeserializeFailed", "rescan", null],
  ["G13", "-9990202", "FulfillGetCertificateFailed", "retry", "query.certificate"],
  ["G14", "-9990202", "FulfillGetOrderFailed", "retry", "query.order"],
  ["G15", "-9990202", "FulfillGetSubOrderFailed", "retry", "query.sub_order"],
  ["G16", "-9990202", "FulfillRequeryMasterFailed", "retry", "query.master_requery"],
  ["G17", "-3000111", "FulfillVoucherNotFound", "none", null],
  ["G18", "-9990202", "FulfillGetProductFailed", "retry", "query.product"],
  ["G19", "-3000109", "FulfillQRCodeScreenshotExpired", "refresh_qr", null],
  ["G20", "-9990202", "FulfillGetProductImageFailed", "retry", "query.product_image"],
  ["G21", "-9990202", "FulfillGetHolidayFailed", "retry", "query.holiday"],
  ["G22", "-3000109", "FulfillRedeemQRCodeExpired", "refresh_qr", null],
];

/** CONTRACT.md section 6, rows R1–R34 and R2b, in order (R8 is the core's own rows, not a row). */
const R_ROWS: Spec[] = [
  ["R1", "-9990001", "FulfillParamInvalid", "none", null],
  ["R2", "-3000000", "FulfillVerifierNoShopPermission", "none", null],
  ["R2b", "-3000000", "FulfillVerifierNoRedeemPermission", "none", null],
  ["R3", "-9990001", "FulfillParamCheckFailed", "none", null],
  ["R4", "-9990202", "FulfillGetVerifierNameFailed", "recheck", "redeem.verifier_name"],
  ["R5", "-9990202", "FulfillGetShopPermissionFailed", "recheck", "redeem.shop_permission"],
  ["R6", "-9990202", "FulfillGetRedeemPermissionFailed", "recheck", "redeem.redeem_permission"],
  ["R7", "-9990202", "FulfillGetMainAccountFailed", "recheck", "redeem.main_account"],
  ["R9", "-3000105", "FulfillCoreRedeemTimeout", "recheck", "redeem.core_timeout"],
  ["R10", "-9990001", "FulfillCoreParamInvalid", "none", null],
  ["R11", "-9990101", "FulfillGenRedeemIdFailed", "recheck", "redeem.redeem_id"],
  ["R12", "-9990001", "FulfillParseCodeFailed", "none", null],
  ["R13", "-9990400", "FulfillVoucherReadFailed", "recheck", "redeem.voucher_read"],
  ["R14", "-9990402", "FulfillVoucherCountMismatch", "recheck", null],
  ["R15", "-3000108", "FulfillVoucherRefunded", "none", null],
  ["R16", "-3000100", "FulfillVoucherNotInUsableTime", "none", null],
  ["R17", "-3000101", "FulfillVoucherExpired", "none", null],
  ["R18", "-3000102", "FulfillVoucherAlreadyUsed", "recheck", null],
  ["R19", "-3000203", "FulfillVoucherStateInvalid", "none", null],
  ["R20", "-9990400", "FulfillExecOrderReadFailed", "recheck", "redeem.exec_order_read"],
  ["R21", "-3000108", "FulfillExecOrderRefunded", "none", null],
  ["R22", "-3000100", "FulfillExecOrderNotInUsableTime", "none", null],
  ["R23", "-3000101", "FulfillExecOrderExpired", "none", null],
  ["R24", "-3000102", "FulfillExecOrderAlreadyUsed", "recheck", null],
  ["R25", "-3000203", "FulfillExecOrderStateInvalid", "none", null],
  ["R26", "-9990400", "FulfillSubOrderReadFailed", "recheck", "redeem.sub_order_read"],
  ["R27", "-9990202", "FulfillShopSnapshotReadFailed", "recheck", "redeem.shop_snapshot_read"],
  ["R28", "-3000200", "FulfillNoApplicableShop", "none", null],
  ["R29", "-3000108", "FulfillSubOrderRefunded", "none", null],
  ["R30", "-3000104", "FulfillSubOrderRefundInProgress", "none", null],
  ["R31", "-3000103", "FulfillShopNotApplicable", "none", null],
  ["R32", "-3000203", "FulfillSubOrderStateInvalid", "none", null],
  ["R33", "-9990103", "FulfillGenEventIdFailed", "recheck", "redeem.event_id"],
  ["R34", "-9990452", "FulfillRedeemUpdateConflict", "recheck", "redeem.update_conflict"],
];

/**
 * (ext) rows the contract spells out in section 5 (idempotency). The in-flight answer repeats
 * R34's code and message on purpose ("→ -9990452 FulfillRedeemUpdateConflict (recheck)").
 */
const IDEMPOTENCY_MESSAGES: [code: string, message: string, handling: Handling][] = [
  ["-9990001", "FulfillIdempotencyKeyReused", "none"],
  ["-9990452", "FulfillRedeemUpdateConflict", "recheck"],
];

const asObject = ([row, code, message, handling, fault]: Spec) => ({
  row,
  code,
  message,
  handling,
  fault,
  httpStatus: 500,
});
const actualObject = (r: CatalogueRow) => ({
  row: r.row,
  code: r.code,
  message: r.message,
  handling: r.handling,
  fault: r.fault ?? null,
  httpStatus: r.httpStatus,
});

describe("catalogue: the seed rows of CONTRACT.md section 6", () => {
  it("sanity: the transcription has 22 G rows and 34 R rows (R1–R34 without R8, plus R2b)", () => {
    expect(G_ROWS).toHaveLength(22);
    expect(R_ROWS).toHaveLength(34);
    expect(new Set([...G_ROWS, ...R_ROWS].map((r) => r[0])).size).toBe(56);
  });

  for (const spec of G_ROWS) {
    it(`${spec[0]}: ${spec[1]} ${spec[2]} (${spec[3]}) on get_code_item_list`, () => {
      const row = catalogueRow(spec[0] as RowId);
      expect(actualObject(row)).toEqual(asObject(spec));
      expect(row.endpoint).toBe("query");
      expect(row.description.length).toBeGreaterThan(10);
    });
  }

  for (const spec of R_ROWS) {
    it(`${spec[0]}: ${spec[1]} ${spec[2]} (${spec[3]}) on redeem_code`, () => {
      const row = catalogueRow(spec[0] as RowId);
      expect(actualObject(row)).toEqual(asObject(spec));
      expect(row.endpoint).toBe("redeem");
      expect(row.description.length).toBeGreaterThan(10);
    });
  }

  it("G and R rows appear in the seed table's order, and there are no others", () => {
    expect(CATALOGUE.filter((r) => /^G\d+$/.test(r.row)).map((r) => r.row)).toEqual(G_ROWS.map((r) => r[0]));
    expect(CATALOGUE.filter((r) => /^R\d+b?$/.test(r.row)).map((r) => r.row)).toEqual(
      R_ROWS.map((r) => r[0]),
    );
  });

  it("R8 is not a row of its own (the core's rows pass through)", () => {
    expect(findRow("R8")).toBeUndefined();
    expect(findRow("nope")).toBeUndefined();
    expect(() => catalogueRow("R8" as RowId)).toThrow();
  });

  it("every row of every endpoint answers HTTP 500 with a numeric code and a Fulfill… message", () => {
    for (const r of CATALOGUE) {
      expect(r.httpStatus, r.row).toBe(500);
      expect(r.code, r.row).toMatch(/^-\d+$/);
      expect(r.message, r.row).toMatch(/^Fulfill[A-Za-z0-9]+$/);
      expect(["retry", "recheck", "rescan", "refresh_qr", "none"]).toContain(r.handling);
      expect(findRow(r.row)).toBe(r);
    }
    expect(new Set(CATALOGUE.map((r) => r.row)).size).toBe(CATALOGUE.length);
  });

  it("(code, message) is distinct within an endpoint, except the repeat the contract itself makes", () => {
    const contractRepeats = new Set(["redeem -9990452 FulfillRedeemUpdateConflict"]);
    const seen = new Map<string, string[]>();
    for (const r of CATALOGUE) {
      const k = `${r.endpoint} ${r.code} ${r.message}`;
      seen.set(k, [...(seen.get(k) ?? []), r.row]);
    }
    const repeated = [...seen].filter(([, rows]) => rows.length > 1).map(([k]) => k);
    expect(repeated).toEqual([...contractRepeats]);
    // the repeat is R34 and the in-flight idempotency answer, nothing else
    expect(seen.get("redeem -9990452 FulfillRedeemUpdateConflict")).toHaveLength(2);
    expect(seen.get("redeem -9990452 FulfillRedeemUpdateConflict")).toContain("R34");
  });

  it("within the seed rows of one endpoint, messages are distinct (the table repeats none)", () => {
    for (const prefix of ["G", "R"]) {
      const messages = CATALOGUE.filter((r) => r.row.startsWith(prefix)).map((r) => r.message);
      expect(new Set(messages).size, prefix).toBe(messages.length);
    }
  });

  it("the idempotency answers of section 5 exist on the redeem endpoint", () => {
    const redeemRows = CATALOGUE.filter((r) => r.endpoint === "redeem");
    for (const [code, message, handling] of IDEMPOTENCY_MESSAGES) {
      const found = redeemRows.filter(
        (r) => r.code === code && r.message === message && r.handling === handling,
      );
      expect(found.length, message).toBeGreaterThanOrEqual(1);
    }
  });
});

describe("catalogue: fault points", () => {
  const contractPoints = [...G_ROWS, ...R_ROWS].flatMap((r) => (r[4] ? [r[4]] : []));

  it("the fault points are exactly the contract's, each producing its one row", () => {
    expect([...FAULT_POINTS].sort()).toEqual([...contractPoints].sort());
    expect(new Set(FAULT_POINTS).size).toBe(FAULT_POINTS.length);
    for (const point of FAULT_POINTS) {
      const rows = CATALOGUE.filter((r) => r.fault === point).map((r) => r.row);
      const expected = [...G_ROWS, ...R_ROWS].filter((r) => r[4] === point).map((r) => r[0]);
      expect(rows, point).toEqual(expected);
    }
  });

  it("query points serve G rows with handling retry, redeem points R rows with handling recheck", () => {
    for (const r of CATALOGUE.filter((x) => x.fault)) {
      if (r.fault?.startsWith("query.")) expect([r.endpoint, r.handling], r.row).toEqual(["query", "retry"]);
      else expect([r.endpoint, r.handling], r.row).toEqual(["redeem", "recheck"]);
    }
  });

  it("extra fault points are not catalogue points", () => {
    expect(EXTRA_FAULT_POINTS).toContain("redeem.commit");
    for (const p of EXTRA_FAULT_POINTS) expect(FAULT_POINTS).not.toContain(p);
  });
});

describe("catalogue: handling", () => {
  it("transient is every handling but none (section 5: final = success or a row with handling none)", () => {
    expect(isTransient("retry")).toBe(true);
    expect(isTransient("recheck")).toBe(true);
    expect(isTransient("rescan")).toBe(true);
    expect(isTransient("refresh_qr")).toBe(true);
    expect(isTransient("none")).toBe(false);
  });

  it("on redeem, an idempotency key is kept exactly after the rows of handling none", () => {
    const kept = CATALOGUE.filter((r) => r.endpoint === "redeem" && !isTransient(r.handling)).map(
      (r) => r.row,
    );
    const expectedSeed = R_ROWS.filter((r) => r[3] === "none").map((r) => r[0]);
    expect(kept.filter((r) => r.startsWith("R"))).toEqual(expectedSeed);
  });
});
