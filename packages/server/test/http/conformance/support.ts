/**
 * The conformance suite's shared part: the contract's table (CONTRACT.md sections 5 and 6,
 * hard-coded on purpose), what the whole suite saw (log ids, rows reached), and the server every
 * subject file runs against: the redeem-row scenario world plus the lookup and gateway orders,
 * its tokens, its calls (each answer's envelope and log id checked on the way) and its checks.
 */
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { catalogueRow, type RowId } from "../../../src/domain/catalogue.js";
import type { TestDatabase } from "../../support/databases.js";
import { scenarioWorld, wait } from "../../support/redeem-row-world.js";
import { type HttpAnswer, QUERY, REDEEM, startTestServer, type TestServer } from "../../support/server.js";
import { MERCHANT, NOW, OTHER_MERCHANT, SHOP_1, SHOP_2 } from "../../support/world.js";

export const CANCEL = "/v2/localservice/saas/fulfill/cancel_redeem/";
export const QUERY_SCOPE = "localservice.fulfill.query";
export const REDEEM_SCOPE = "localservice.fulfill.redeem";
export const DEADLINE_MS = 1000;

type Handling = "retry" | "recheck" | "rescan" | "refresh_qr" | "none";

/**
 * The contract's table (CONTRACT.md sections 5 and 6), written out here on purpose: the test
 * compares both the server's answers and the catalogue against it.
 */
export const CONTRACT: Record<string, readonly [code: string, message: string, handling: Handling]> = {
  G1: ["-9990001", "FulfillParamInvalid", "none"],
  G2: ["-3000000", "FulfillVerifierNoShopPermission", "none"],
  G3: ["-9990001", "FulfillInputCodeNotInteger", "none"],
  G4: ["-3000000", "FulfillVerifierNoScanPermission", "none"],
  G5: ["-3000111", "FulfillCertificateNotFound", "none"],
  G6: ["-3000103", "FulfillNoCodeUsableAtShop", "none"],
  G7: ["-9990202", "FulfillGetScanPermissionFailed", "retry"],
  G8: ["-9990202", "FulfillGetShopPermissionFailed", "retry"],
  G9: ["-9990202", "FulfillGetMainAccountFailed", "retry"],
  G10: ["-3000110", "FulfillQRCodeBase64DecodeFailed", "rescan"],
  G11: ["-3000110", "FulfillQRCodeDecryptFailed", "rescan"],
  G12: ["-9995000", "FulfillQRCodeDeserializeFailed", "rescan"],
  G13: ["-9990202", "FulfillGetCertificateFailed", "retry"],
  G14: ["-9990202", "FulfillGetOrderFailed", "retry"],
  G15: ["-9990202", "FulfillGetSubOrderFailed", "retry"],
  G16: ["-9990202", "FulfillRequeryMasterFailed", "retry"],
  G17: ["-3000111", "FulfillVoucherNotFound", "none"],
  G18: ["-9990202", "FulfillGetProductFailed", "retry"],
  G19: ["-3000109", "FulfillQRCodeScreenshotExpired", "refresh_qr"],
  G20: ["-9990202", "FulfillGetProductImageFailed", "retry"],
  G21: ["-9990202", "FulfillGetHolidayFailed", "retry"],
  G22: ["-3000109", "FulfillRedeemQRCodeExpired", "refresh_qr"],
  R1: ["-9990001", "FulfillParamInvalid", "none"],
  R2: ["-3000000", "FulfillVerifierNoShopPermission", "none"],
  R2b: ["-3000000", "FulfillVerifierNoRedeemPermission", "none"],
  R3: ["-9990001", "FulfillParamCheckFailed", "none"],
  R4: ["-9990202", "FulfillGetVerifierNameFailed", "recheck"],
  R5: ["-9990202", "FulfillGetShopPermissionFailed", "recheck"],
  R6: ["-9990202", "FulfillGetRedeemPermissionFailed", "recheck"],
  R7: ["-9990202", "FulfillGetMainAccountFailed", "recheck"],
  R9: ["-3000105", "FulfillCoreRedeemTimeout", "recheck"],
  R10: ["-9990001", "FulfillCoreParamInvalid", "none"],
  R11: ["-9990101", "FulfillGenRedeemIdFailed", "recheck"],
  R12: ["-9990001", "FulfillParseCodeFailed", "none"],
  R13: ["-9990400", "FulfillVoucherReadFailed", "recheck"],
  R14: ["-9990402", "FulfillVoucherCountMismatch", "recheck"],
  R15: ["-3000108", "FulfillVoucherRefunded", "none"],
  R16: ["-3000100", "FulfillVoucherNotInUsableTime", "none"],
  R17: ["-3000101", "FulfillVoucherExpired", "none"],
  R18: ["-3000102", "FulfillVoucherAlreadyUsed", "recheck"],
  R19: ["-3000203", "FulfillVoucherStateInvalid", "none"],
  R20: ["-9990400", "FulfillExecOrderReadFailed", "recheck"],
  R21: ["-3000108", "FulfillExecOrderRefunded", "none"],
  R22: ["-3000100", "FulfillExecOrderNotInUsableTime", "none"],
  R23: ["-3000101", "FulfillExecOrderExpired", "none"],
  R24: ["-3000102", "FulfillExecOrderAlreadyUsed", "recheck"],
  R25: ["-3000203", "FulfillExecOrderStateInvalid", "none"],
  R26: ["-9990400", "FulfillSubOrderReadFailed", "recheck"],
  R27: ["-9990202", "FulfillShopSnapshotReadFailed", "recheck"],
  R28: ["-3000200", "FulfillNoApplicableShop", "none"],
  R29: ["-3000108", "FulfillSubOrderRefunded", "none"],
  R30: ["-3000104", "FulfillSubOrderRefundInProgress", "none"],
  R31: ["-3000103", "FulfillShopNotApplicable", "none"],
  R32: ["-3000203", "FulfillSubOrderStateInvalid", "none"],
  R33: ["-9990103", "FulfillGenEventIdFailed", "recheck"],
  R34: ["-9990452", "FulfillRedeemUpdateConflict", "recheck"],
  // (ext) section 5: the Idempotency-Key rows.
  X1: ["-9990001", "FulfillIdempotencyKeyReused", "none"],
  X2: ["-9990452", "FulfillRedeemUpdateConflict", "recheck"],
};

/** The parameter rows of CONTRACT.md section 3, which carry error.detail (written out on purpose). */
export const PARAMETER_ROWS: readonly string[] = ["G1", "G3", "R1", "R3", "R10", "R12", "X1", "C6", "Q1"];

/** The fault point of each dependency row (CONTRACT.md section 6, "how it is reached"). */
export const CONTRACT_FAULTS: Record<string, string> = {
  G7: "query.scan_permission",
  G8: "query.shop_permission",
  G9: "query.main_account",
  G13: "query.certificate",
  G14: "query.order",
  G15: "query.sub_order",
  G16: "query.master_requery",
  G18: "query.product",
  G20: "query.product_image",
  G21: "query.holiday",
  R4: "redeem.verifier_name",
  R5: "redeem.shop_permission",
  R6: "redeem.redeem_permission",
  R7: "redeem.main_account",
  R9: "redeem.core_timeout",
  R11: "redeem.redeem_id",
  R13: "redeem.voucher_read",
  R20: "redeem.exec_order_read",
  R26: "redeem.sub_order_read",
  R27: "redeem.shop_snapshot_read",
  R33: "redeem.event_id",
  R34: "redeem.update_conflict",
};

const range = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);
/** Every row this suite must reach on every database (R8, the core's pass-through, is excluded). */
export const REQUIRED: readonly string[] = [
  ...range("G", 1, 22),
  ...range("R", 1, 7),
  "R2b",
  ...range("R", 9, 34),
  "X1",
  "X2",
];

// What the whole suite saw, across databases: every log id, and which rows were reached how.
export const logIds: string[] = [];
export const coverage = new Map<string, Map<string, string[]>>();
export const generic = new Map<string, Map<string, string[]>>();

export function note(map: Map<string, Map<string, string[]>>, db: string, row: string, cause: string) {
  const rows = map.get(db) ?? new Map<string, string[]>();
  map.set(db, rows);
  rows.set(row, [...(rows.get(row) ?? []), cause]);
}

/** Every answer of the suite: a JSON envelope whose log id is present, equals the header, and is kept. */
export function checkEnvelope(answer: HttpAnswer, what: string): void {
  expect(
    answer.json,
    `${what}: a JSON body (got ${answer.status} ${answer.text.slice(0, 200)})`,
  ).not.toBeNull();
  expect(
    typeof answer.json.data === "object" && answer.json.data !== null && !Array.isArray(answer.json.data),
    `${what}: data is an object`,
  ).toBe(true);
  const logId = answer.json.error?.log_id;
  expect(typeof logId === "string" && logId.length > 0, `${what}: error.log_id non-empty`).toBe(true);
  expect(answer.headers.get("x-tt-logid"), `${what}: X-Tt-Logid equals error.log_id`).toBe(logId);
  logIds.push(logId);
}

export const codeList = (answer: HttpAnswer) =>
  (answer.json.data.code_list ?? []) as { code: string; redemption_status: number }[];

/** The running server of one database's suite, its world, tokens, calls and checks. */
export type Conformance = ReturnType<typeof conformanceServer>;

/** Builds the world and registers the hooks that start the server (call inside the database's describe). */
export function conformanceServer(database: TestDatabase) {
  const db = database.name;
  let t: TestServer;
  const tokens: Record<string, string> = {};
  const { world, P, add, o, addRowScenarios } = scenarioWorld("72000000000000009");
  world.apps = [
    ...(world.apps ?? []),
    { client_key: "ck_query_only", client_secret: "cs_q", name: "Query only", webhook_url: null },
    { client_key: "ck_redeem_only", client_secret: "cs_r", name: "Redeem only", webhook_url: null },
    { client_key: "ck_shop2", client_secret: "cs_s2", name: "Shop 2 only", webhook_url: null },
  ];
  world.merchants?.[0]?.grants?.push(
    { client_key: "ck_query_only", scopes: [QUERY_SCOPE], third_shop_ids: [] },
    { client_key: "ck_redeem_only", scopes: [REDEEM_SCOPE], third_shop_ids: [] },
    { client_key: "ck_shop2", scopes: [QUERY_SCOPE, REDEEM_SCOPE], third_shop_ids: [SHOP_2] },
  );
  world.merchants?.[1]?.grants?.push({
    client_key: "ck_demo",
    scopes: [QUERY_SCOPE, REDEEM_SCOPE],
    third_shop_ids: [],
  });
  // Lookups never change state: these orders serve several query rows.
  add("q", P.any, [wait, wait]);
  add("q2", P.any, [wait]);
  add("qOtherShop", P.any, [
    { status: "WAIT_FULFILL", sub_fulfillment: { applicable_third_shop_ids: [SHOP_2] } },
  ]);
  add("otherMerchant", P.other, [wait]);
  add("g19", P.any, [wait, { status: "AFTER_SALE_PROCESSING" }]);
  add("g22", P.any, [wait, wait, { status: "AFTER_SALE_PROCESSING" }, { status: "AFTER_SALE_SUCCESS" }]);
  add("g22Expired", P.any, [wait, wait]);
  add("g22Cancelled", P.any, [wait]);
  add("g22Before", P.any, [wait, wait]);
  // Redeem rows: one order per scenario.
  add("ok", P.any, [wait, wait]);
  add("rGate", P.any, [wait]); // gateway and request rows: never reaches the core's writes
  for (const row of ["R4", "R5", "R6", "R7", "R9", "R11", "R13", "R20", "R26", "R27", "R33", "R34"])
    add(`fault${row}`, P.any, [wait]);
  addRowScenarios();
  add("concurrent", P.any, [wait]);
  add("idemReused", P.any, [wait, wait]);
  add("idemReplay", P.any, [wait]);
  add("idemInFlight", P.any, [wait]);

  // ---- calls: each answer's envelope and log id is checked on the way ----
  const track = (answer: HttpAnswer, what: string) => {
    checkEnvelope(answer, what);
    return answer;
  };
  const query = async (body: unknown, token = tokens.full as string) =>
    track(await t.postJson(QUERY, body, { authorization: `Bearer ${token}` }), "query");
  const redeem = async (body: unknown, key?: string, token = tokens.full as string) =>
    track(
      await t.postJson(REDEEM, body, {
        authorization: `Bearer ${token}`,
        ...(key !== undefined ? { "idempotency-key": key } : {}),
      }),
      "redeem",
    );
  const raw = async (
    path: string,
    body: string | Blob | undefined,
    headers: Record<string, string>,
    token = tokens.full as string,
  ) => {
    const init: RequestInit = { method: "POST", headers: { authorization: `Bearer ${token}`, ...headers } };
    if (body !== undefined) init.body = body;
    const res = await fetch(t.url + path, init);
    const text = await res.text();
    let json: HttpAnswer["json"] = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return track({ status: res.status, headers: res.headers, text, json }, `raw ${path}`);
  };
  const operator = async (method: string, path: string, body?: unknown) => {
    const answer = track(await t.operator(method, path, body), `${method} ${path}`);
    expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(200);
    return answer;
  };
  const setClock = (now: number | null) => operator("POST", "/sandbox/clock", { now });
  const arm = (point: string, times = 1) =>
    operator("POST", "/sandbox/faults", { point, times, merchant_id: null });
  const issueQr = async (shopOrderId: string, ttl?: number) => {
    const answer = await operator("POST", "/sandbox/qr", {
      shop_order_id: shopOrderId,
      ...(ttl ? { ttl } : {}),
    });
    return answer.json.data.qr_info as string;
  };

  const typed = (codes: unknown, shop = SHOP_1, merchant = MERCHANT) => ({
    merchant_id: merchant,
    third_shop_id: shop,
    code_list: codes,
    locale: "en-US",
  });
  const scanned = (qr: string, shop = SHOP_1) => ({
    merchant_id: MERCHANT,
    third_shop_id: shop,
    qr_info: qr,
    locale: "en-US",
  });
  const redeemBody = (name: string, overrides: Record<string, unknown> = {}) => ({
    merchant_id: MERCHANT,
    third_shop_id: SHOP_1,
    shop_order_id: o(name).shopOrderId,
    code_list: o(name).codes,
    locale: "en-US",
    ...overrides,
  });

  /** The answer is the row: status 500, the contract's code, message and handling, and the catalogue's. */
  const expectRow = (answer: HttpAnswer, row: string, cause: string) => {
    const [code, message, handling] = CONTRACT[row] as (typeof CONTRACT)[string];
    const cat = catalogueRow(row as RowId);
    const where = `${row} (${cause}): got ${answer.status} ${answer.text.slice(0, 300)}`;
    expect(answer.status, where).toBe(500);
    expect(answer.status, where).toBe(cat.httpStatus);
    expect(answer.json.error.code, where).toBe(code);
    expect(answer.json.error.message, where).toBe(message);
    expect(answer.json.error.code, where).toBe(cat.code);
    expect(answer.json.error.message, where).toBe(cat.message);
    expect(answer.json.error.handling, where).toBe(handling);
    expect(answer.json.error.description, where).toBe(cat.description);
    // (ext) error.detail (CONTRACT.md section 3): on parameter rows only.
    if (PARAMETER_ROWS.includes(row)) expect(answer.json.error.detail, where).toMatch(/^\S.{5,}/);
    else expect(answer.json.error, where).not.toHaveProperty("detail");
    expect(answer.headers.get("content-type") ?? "", where).toMatch(/^application\/json/);
    note(coverage, db, row, cause);
  };
  const expectGeneric = (answer: HttpAnswer, status: number, code: string, cause: string) => {
    const where = `${code} (${cause}): got ${answer.status} ${answer.text.slice(0, 300)}`;
    expect(answer.status, where).toBe(status);
    expect(answer.json.error.code, where).toBe(code);
    expect(typeof answer.json.error.message === "string" && answer.json.error.message.length > 0, where).toBe(
      true,
    );
    note(generic, db, `${status} ${code}`, cause);
  };
  const expectOk = (answer: HttpAnswer, what: string) => {
    expect(answer.status, `${what}: ${answer.text.slice(0, 300)}`).toBe(200);
    expect(answer.json.error).toMatchObject({ code: "0", message: "success" });
    return answer;
  };

  beforeAll(async () => {
    t = await startTestServer(database, { coreDeadlineMs: DEADLINE_MS });
    expect((await operator("POST", "/sandbox/world", world)).status).toBe(200);
    // An access token lives 120 h: one issued 200 h before NOW is expired at NOW.
    await setClock(NOW - 200 * 3600);
    tokens.expired = await t.token();
    await setClock(NOW);
    tokens.full = await t.token();
    tokens.queryOnly = await t.token({ clientKey: "ck_query_only", clientSecret: "cs_q" });
    tokens.redeemOnly = await t.token({ clientKey: "ck_redeem_only", clientSecret: "cs_r" });
    tokens.shop2 = await t.token({ clientKey: "ck_shop2", clientSecret: "cs_s2" });
    tokens.otherMerchant = await t.token({ merchantId: OTHER_MERCHANT });
  }, 60_000);
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await operator("DELETE", "/sandbox/faults");
    await setClock(NOW);
  });
  return {
    db,
    database,
    get t() {
      return t;
    },
    tokens,
    world,
    P,
    o,
    track,
    query,
    redeem,
    raw,
    operator,
    setClock,
    arm,
    issueQr,
    typed,
    scanned,
    redeemBody,
    expectRow,
    expectGeneric,
    expectOk,
  };
}
