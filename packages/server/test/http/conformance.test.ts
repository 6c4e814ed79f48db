/**
 * Conformance: every row of the error catalogue (CONTRACT.md section 6) driven through HTTP against
 * a real running server, on every test database, each by its real cause: the request's shape,
 * data states loaded through POST /sandbox/world, the business clock (POST /sandbox/clock) and
 * the sandbox fault points (POST /sandbox/faults). Every answer is checked against the contract's
 * own table (hard-coded below, so a catalogue typo fails too) and against the catalogue, and every
 * log id is checked: present, equal to the X-Tt-Logid header, unique across the whole suite.
 * The generic answers (401, 429, 404) and the (ext) idempotency rows are covered as well.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CATALOGUE, catalogueRow, type RowId } from "../../src/domain/catalogue.js";
import { QrCodec } from "../../src/gateway/qr-codec.js";
import { testDatabases } from "../support/databases.js";
import {
  type HttpAnswer,
  OPERATOR_TOKEN,
  QUERY,
  REDEEM,
  startTestServer,
  type TestServer,
} from "../support/server.js";
import {
  type BuiltOrder,
  baseWorld,
  DAY,
  MERCHANT,
  NOW,
  OTHER_MERCHANT,
  order,
  product,
  SHOP_1,
  SHOP_2,
} from "../support/world.js";

const CANCEL = "/v2/localservice/saas/fulfill/cancel_redeem/";
const QUERY_SCOPE = "localservice.fulfill.query";
const REDEEM_SCOPE = "localservice.fulfill.redeem";
const DEADLINE_MS = 1000;

type Handling = "retry" | "recheck" | "rescan" | "refresh_qr" | "none";

/**
 * The contract's table (CONTRACT.md sections 5 and 6), written out here on purpose: the test
 * compares both the server's answers and the catalogue against it.
 */
const CONTRACT: Record<string, readonly [code: string, message: string, handling: Handling]> = {
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

/** The fault point of each dependency row (CONTRACT.md section 6, "how it is reached"). */
const CONTRACT_FAULTS: Record<string, string> = {
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
const REQUIRED: readonly string[] = [
  ...range("G", 1, 22),
  ...range("R", 1, 7),
  "R2b",
  ...range("R", 9, 34),
  "X1",
  "X2",
];

// What the whole suite saw, across databases: every log id, and which rows were reached how.
const logIds: string[] = [];
const coverage = new Map<string, Map<string, string[]>>();
const generic = new Map<string, Map<string, string[]>>();

function note(map: Map<string, Map<string, string[]>>, db: string, row: string, cause: string) {
  const rows = map.get(db) ?? new Map<string, string[]>();
  map.set(db, rows);
  rows.set(row, [...(rows.get(row) ?? []), cause]);
}

/** Every answer of the suite: a JSON envelope whose log id is present, equals the header, and is kept. */
function checkEnvelope(answer: HttpAnswer, what: string): void {
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

const codeList = (answer: HttpAnswer) =>
  (answer.json.data.code_list ?? []) as { code: string; redemption_status: number }[];

type Item = Parameters<typeof order>[0]["items"][number];
const wait: Item = { status: "WAIT_FULFILL" };

const P_ANY = "7200000000000000901"; // usable any time, at S-001
const P_FUTURE = "7200000000000000902"; // window starts tomorrow
const P_PAST = "7200000000000000903"; // window ended yesterday
const P_WEEKEND = "7200000000000000904"; // Saturday and Sunday only (NOW is a Tuesday)
const P_EVENING = "7200000000000000905"; // 18:00–22:00 only (NOW is 10:00 local)
const P_HOLIDAY = "7200000000000000906"; // not on holidays; NOW's local date is a holiday
const P_NO_SHOP = "7200000000000000907"; // applicable to no shop
const P_OTHER = "7200000000000000908"; // another merchant's product
const P_DAYTIME = "7200000000000000909"; // 08:00–22:00 (NOW is inside; NOW + 13 h is not)
const P_ENDS_SOON = "7200000000000000910"; // window ends one hour after NOW

for (const database of testDatabases()) {
  const db = database.name;
  describe(`conformance over HTTP on ${db}`, () => {
    let t: TestServer;
    const tokens: Record<string, string> = {};
    const world = baseWorld();
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
    world.holidays = [...(world.holidays ?? []), { country: "ID", date: "2026-12-01", name: "Test Holiday" }];
    world.products = [
      product(P_ANY),
      product(P_FUTURE, { valid_from: NOW + DAY }),
      product(P_PAST, { valid_to: NOW - DAY }),
      product(P_WEEKEND, { usable_weekdays: [6, 7] }),
      product(P_EVENING, { usable_hours: [{ start: "18:00", end: "22:00" }] }),
      product(P_HOLIDAY, { holidays_unavailable: true }),
      product(P_NO_SHOP, { applicable_third_shop_ids: [] }),
      product(P_OTHER, { merchant_id: OTHER_MERCHANT, applicable_third_shop_ids: ["O-001"] }),
      product(P_DAYTIME, { usable_hours: [{ start: "08:00", end: "22:00" }] }),
      product(P_ENDS_SOON, { valid_to: NOW + 3600 }),
    ];
    const orders: Record<string, BuiltOrder> = {};
    const add = (name: string, productId: string, items: Item[]) => {
      const o = order({ productId, items });
      world.orders?.push(o.order);
      orders[name] = o.built;
    };
    // Lookups never change state: these orders serve several query rows.
    add("q", P_ANY, [wait, wait]);
    add("q2", P_ANY, [wait]);
    add("qOtherShop", P_ANY, [
      { status: "WAIT_FULFILL", sub_fulfillment: { applicable_third_shop_ids: [SHOP_2] } },
    ]);
    add("otherMerchant", P_OTHER, [wait]);
    add("g19", P_ANY, [wait, { status: "AFTER_SALE_PROCESSING" }]);
    add("g22", P_ANY, [wait, wait, { status: "AFTER_SALE_PROCESSING" }, { status: "AFTER_SALE_SUCCESS" }]);
    add("g22Expired", P_ANY, [wait, wait]);
    add("g22Cancelled", P_ANY, [wait]);
    add("g22Before", P_ANY, [wait, wait]);
    // Redeem rows: one order per scenario.
    add("ok", P_ANY, [wait, wait]);
    add("rGate", P_ANY, [wait]); // gateway and request rows: never reaches the core's writes
    for (const row of ["R4", "R5", "R6", "R7", "R9", "R11", "R13", "R20", "R26", "R27", "R33", "R34"])
      add(`fault${row}`, P_ANY, [wait]);
    add("refunded", P_ANY, [{ status: "AFTER_SALE_SUCCESS" }]);
    add("refundedAndExpired", P_PAST, [{ status: "AFTER_SALE_SUCCESS" }]);
    add("future", P_FUTURE, [wait]);
    add("past", P_PAST, [wait]);
    add("weekend", P_WEEKEND, [wait]);
    add("evening", P_EVENING, [wait]);
    add("holiday", P_HOLIDAY, [wait]);
    add("daytime", P_DAYTIME, [wait]);
    add("endsSoon", P_ENDS_SOON, [wait]);
    add("used", P_ANY, [{ status: "FINISH" }]);
    add("init", P_ANY, [{ status: "INIT" }]);
    add("execRefunded", P_ANY, [{ status: "WAIT_FULFILL", execution: { status: "AFTER_SALE_SUCCESS" } }]);
    add("execSlot", P_ANY, [
      { status: "WAIT_FULFILL", execution: { start_time: NOW + 3600, end_time: NOW + 7200 } },
    ]);
    add("execSlotOver", P_ANY, [
      { status: "WAIT_FULFILL", execution: { start_time: NOW - 7200, end_time: NOW - 3600 } },
    ]);
    add("execUsed", P_ANY, [{ status: "WAIT_FULFILL", execution: { status: "FINISH" } }]);
    add("execInit", P_ANY, [{ status: "WAIT_FULFILL", execution: { status: "INIT" } }]);
    add("noShop", P_NO_SHOP, [wait]);
    add("subRefunded", P_ANY, [
      { status: "WAIT_FULFILL", sub_fulfillment: { status: "AFTER_SALE_SUCCESS" } },
    ]);
    add("refunding", P_ANY, [{ status: "AFTER_SALE_PROCESSING" }]);
    add("refundingNoShop", P_ANY, [
      { status: "AFTER_SALE_PROCESSING", sub_fulfillment: { applicable_third_shop_ids: [] } },
    ]);
    add("otherShop", P_ANY, [
      { status: "WAIT_FULFILL", sub_fulfillment: { applicable_third_shop_ids: [SHOP_2] } },
    ]);
    add("subInit", P_ANY, [{ status: "WAIT_FULFILL", sub_fulfillment: { status: "INIT" } }]);
    add("mixedStages", P_ANY, [
      { status: "WAIT_FULFILL", execution: { status: "FINISH" } },
      { status: "FINISH" },
    ]);
    add("concurrent", P_ANY, [wait]);
    add("idemReused", P_ANY, [wait, wait]);
    add("idemReplay", P_ANY, [wait]);
    add("idemInFlight", P_ANY, [wait]);

    const o = (name: string) => orders[name] as BuiltOrder;

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
      expect(answer.headers.get("content-type") ?? "", where).toMatch(/^application\/json/);
      note(coverage, db, row, cause);
    };
    const expectGeneric = (answer: HttpAnswer, status: number, code: string, cause: string) => {
      const where = `${code} (${cause}): got ${answer.status} ${answer.text.slice(0, 300)}`;
      expect(answer.status, where).toBe(status);
      expect(answer.json.error.code, where).toBe(code);
      expect(
        typeof answer.json.error.message === "string" && answer.json.error.message.length > 0,
        where,
      ).toBe(true);
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

    // ---------------------------------------------------------------- generic answers

    it("no, unknown, malformed or expired token → 401 access_token_invalid on both endpoints", async () => {
      for (const [path, body] of [
        [QUERY, typed(o("q").codes)],
        [REDEEM, redeemBody("rGate")],
      ] as const) {
        expectGeneric(
          track(await t.postJson(path, body), "no token"),
          401,
          "access_token_invalid",
          `${path}: no Authorization`,
        );
        expectGeneric(
          track(await t.postJson(path, body, { authorization: "Bearer mat.unknown" }), "unknown"),
          401,
          "access_token_invalid",
          `${path}: unknown token`,
        );
        expectGeneric(
          track(await t.postJson(path, body, { authorization: `Basic ${tokens.full}` }), "basic"),
          401,
          "access_token_invalid",
          `${path}: not a bearer token`,
        );
        expectGeneric(
          track(await t.postJson(path, body, { authorization: `Bearer ${tokens.expired}` }), "expired"),
          401,
          "access_token_invalid",
          `${path}: expired token`,
        );
        expectGeneric(
          track(await t.postJson(path, body, { authorization: `Bearer ${OPERATOR_TOKEN}` }), "operator"),
          401,
          "access_token_invalid",
          `${path}: the operator token`,
        );
      }
      // the token is checked before the body: a malformed body without a token is still a 401
      expectGeneric(
        await raw(QUERY, "{not json", { "content-type": "application/json" }, "mat.unknown"),
        401,
        "access_token_invalid",
        "bad body, bad token",
      );
    });

    it("an unknown route → 404 envelope", async () => {
      const a = track(
        await t.postJson(
          "/v2/localservice/saas/fulfill/no_such_endpoint/",
          {},
          { authorization: `Bearer ${tokens.full}` },
        ),
        "404",
      );
      expectGeneric(a, 404, "not_found", "POST unknown SaaS path");
      const b = track(await t.request("/no/such/thing"), "404");
      expectGeneric(b, 404, "not_found", "GET unknown path");
    });

    it("a valid request succeeds on both endpoints (the suite is not vacuous)", async () => {
      const found = expectOk(await query(typed(o("q").codes)), "typed lookup");
      expect(codeList(found).map((c) => c.code)).toEqual(o("q").codes);
      const qr = expectOk(await query(scanned(await issueQr(o("q").shopOrderId))), "QR lookup");
      expect(
        codeList(qr)
          .map((c) => c.code)
          .sort(),
      ).toEqual([...o("q").codes].sort());
      const done = expectOk(await redeem(redeemBody("ok")), "redeem");
      expect(done.json.data.redeem_id).toMatch(/^\d+$/);
    });

    // ---------------------------------------------------------------- get_code_item_list

    it("G1: the request's shape (schema, both/neither, list size, TT- prefix, not JSON, content type, size) and codes of two orders", async () => {
      const codes = o("q").codes;
      const qr = await issueQr(o("q").shopOrderId);
      const shapes: [string, unknown][] = [
        ["missing merchant_id", { third_shop_id: SHOP_1, code_list: codes }],
        ["missing third_shop_id", { merchant_id: MERCHANT, code_list: codes }],
        [
          "merchant_id of the wrong type",
          { merchant_id: 7000000000000000, third_shop_id: SHOP_1, code_list: codes },
        ],
        ["third_shop_id of the wrong type", { merchant_id: MERCHANT, third_shop_id: 1, code_list: codes }],
        ["code_list of the wrong type", typed(codes[0])],
        ["a code of the wrong type", typed([Number(codes[0])])],
        ["qr_info of the wrong type", { merchant_id: MERCHANT, third_shop_id: SHOP_1, qr_info: 12 }],
        ["locale of the wrong type", { ...typed(codes), locale: 5 }],
        ["both code_list and qr_info", { ...typed(codes), qr_info: qr }],
        ["neither code_list nor qr_info", { merchant_id: MERCHANT, third_shop_id: SHOP_1, locale: "en-US" }],
        ["an empty code_list", typed([])],
        ["101 codes", typed(Array.from({ length: 101 }, (_, i) => String(100000000000 + i)))],
        ["qr_info without the TT- prefix", scanned(qr.slice(3))],
        ["qr_info with a lowercase tt- prefix", scanned(`tt-${qr.slice(3)}`)],
        ["an empty qr_info", scanned("")],
        ["a JSON array body", [typed(codes)]],
        ["a JSON null body", null],
        ["a JSON string body", "hello"],
      ];
      for (const [cause, body] of shapes) expectRow(await query(body), "G1", cause);

      const json = JSON.stringify(typed(codes));
      expectRow(
        await raw(QUERY, "{not json", { "content-type": "application/json" }),
        "G1",
        "a body that is not JSON",
      );
      expectRow(
        await raw(QUERY, `${json.slice(0, -1)}`, { "content-type": "application/json" }),
        "G1",
        "truncated JSON",
      );
      expectRow(await raw(QUERY, "", { "content-type": "application/json" }), "G1", "an empty body");
      expectRow(await raw(QUERY, undefined, {}), "G1", "no body at all");
      expectRow(await raw(QUERY, json, { "content-type": "text/plain" }), "G1", "JSON sent as text/plain");
      expectRow(
        await raw(QUERY, json, { "content-type": "application/xml" }),
        "G1",
        "JSON sent as application/xml",
      );
      expectRow(await raw(QUERY, new Blob([json]), {}), "G1", "JSON sent without a content type");
      const form = new URLSearchParams({
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        qr_info: qr,
        locale: "en-US",
      }).toString();
      expectRow(
        await raw(QUERY, form, { "content-type": "application/x-www-form-urlencoded" }),
        "G1",
        "a well-formed form body, not JSON",
      );
      const big = JSON.stringify({ ...typed(codes), padding: "x".repeat(64 * 1024) });
      expectRow(
        await raw(QUERY, big, { "content-type": "application/json" }),
        "G1",
        "a body larger than 64 KB",
      );

      expectRow(
        await query(typed([...o("q").codes, ...o("q2").codes])),
        "G1",
        "known codes of two shop orders",
      );
    });

    it("G2: an unknown shop, another merchant's shop, a shop outside the grant", async () => {
      expectRow(await query(typed(o("q").codes, "S-404")), "G2", "third_shop_id unknown");
      expectRow(await query(typed(o("q").codes, "O-001")), "G2", "third_shop_id of another merchant");
      expectRow(
        await query(typed(o("q").codes, SHOP_1), tokens.shop2),
        "G2",
        "grant limited to S-002, asked for S-001",
      );
      expectRow(
        await query(scanned(await issueQr(o("q").shopOrderId), SHOP_1), tokens.shop2),
        "G2",
        "QR, grant limited to S-002",
      );
    });

    it("G3: a typed code with a non-digit character (before the permission checks)", async () => {
      expectRow(await query(typed(["12345678901a"])), "G3", "a letter");
      expectRow(await query(typed([" 12345678901"])), "G3", "a space");
      expectRow(await query(typed(["-12345678901"])), "G3", "a minus sign");
      expectRow(await query(typed(["１２３４５６７８９０１２"])), "G3", "full-width digits");
      expectRow(await query(typed([o("q").codes[0], "12345678901x"])), "G3", "one bad code among good ones");
      expectRow(
        await query(typed(["12345678901a"], "S-404")),
        "G3",
        "field formats come before the shop check",
      );
    });

    it("G4: a token without the query scope, or a body merchant_id that is not the token's", async () => {
      expectRow(
        await query(typed(o("q").codes), tokens.redeemOnly),
        "G4",
        "grant with only the redeem scope",
      );
      expectRow(
        await query(typed(o("q").codes, SHOP_1, OTHER_MERCHANT)),
        "G4",
        "body merchant_id of another merchant",
      );
      expectRow(
        await query(typed(o("q").codes, SHOP_1, "7000000000000000099")),
        "G4",
        "body merchant_id unknown",
      );
      expectRow(
        await query(typed(o("q").codes), tokens.otherMerchant),
        "G4",
        "token of another merchant, body merchant_id ours",
      );
    });

    it("G5: no voucher for the typed codes (unknown, wrong length, another merchant's)", async () => {
      expectRow(await query(typed(["999999999999"])), "G5", "an unknown 12-digit code");
      expectRow(await query(typed(["12345"])), "G5", "an all-digit code of the wrong length");
      expectRow(await query(typed(o("otherMerchant").codes)), "G5", "a code of another merchant");
    });

    it("G6: codes exist, none usable at this shop (typed and QR)", async () => {
      expectRow(await query(typed(o("q").codes, SHOP_2)), "G6", "typed codes of an S-001 product at S-002");
      expectRow(
        await query(typed(o("qOtherShop").codes, SHOP_1)),
        "G6",
        "typed code whose snapshot lists only S-002",
      );
      expectRow(
        await query(scanned(await issueQr(o("q").shopOrderId), SHOP_2)),
        "G6",
        "QR of an S-001 order at S-002",
      );
    });

    const queryFaults: [row: string, point: string, paths: ("typed" | "qr")[]][] = [
      ["G7", "query.scan_permission", ["typed", "qr"]],
      ["G8", "query.shop_permission", ["typed", "qr"]],
      ["G9", "query.main_account", ["typed", "qr"]],
      ["G13", "query.certificate", ["typed", "qr"]],
      ["G14", "query.order", ["typed", "qr"]],
      ["G15", "query.sub_order", ["typed", "qr"]],
      ["G16", "query.master_requery", ["typed"]],
      ["G18", "query.product", ["typed", "qr"]],
      ["G20", "query.product_image", ["typed", "qr"]],
      ["G21", "query.holiday", ["typed", "qr"]],
    ];
    for (const [row, point, paths] of queryFaults) {
      it(`${row}: fault ${point} on ${paths.join(" and ")}`, async () => {
        expect(catalogueRow(row as RowId).fault).toBe(point);
        for (const path of paths) {
          await arm(point);
          const body = path === "typed" ? typed(o("q").codes) : scanned(await issueQr(o("q").shopOrderId));
          expectRow(await query(body), row, `fault ${point}, ${path === "typed" ? "typed codes" : "QR"}`);
          // the fault was consumed by the failing read, and the same request now succeeds
          expectOk(await query(body), `${row} after the fault`);
        }
      });
    }

    it("G16's fault point is not read by the QR path", async () => {
      await arm("query.master_requery");
      expectOk(await query(scanned(await issueQr(o("q").shopOrderId))), "QR with query.master_requery armed");
      expect((await operator("GET", "/sandbox/faults")).json.data.armed).toHaveLength(1);
    });

    it("G10: qr_info that is not unpadded base64url, or too short", async () => {
      const qr = await issueQr(o("q").shopOrderId);
      const body = qr.slice(3);
      expectRow(
        await query(scanned(`TT-${body.slice(0, 10)}$${body.slice(11)}`)),
        "G10",
        "a character outside the alphabet",
      );
      expectRow(
        await query(scanned(`TT-${Buffer.from(body, "base64url").toString("base64")}`)),
        "G10",
        "standard base64 with + / and padding",
      );
      expectRow(await query(scanned(`${qr}=`)), "G10", "a padding '='");
      expectRow(await query(scanned(`TT-${body.slice(0, 20)} ${body.slice(20)}`)), "G10", "a space inside");
      expectRow(await query(scanned("TT-")), "G10", "nothing after the prefix");
      expectRow(
        await query(scanned(`TT-${Buffer.alloc(28, 1).toString("base64url")}`)),
        "G10",
        "too short for version, nonce and tag",
      );
      expectRow(await query(scanned(`TT-${body}A`)), "G10", "a length no base64 has");
    });

    it("G11: decryption or authentication fails", async () => {
      const qr = await issueQr(o("q").shopOrderId);
      const bytes = Buffer.from(qr.slice(3), "base64url");
      const flipped = Buffer.from(bytes);
      flipped[20] = (flipped[20] as number) ^ 0x01;
      expectRow(
        await query(scanned(`TT-${flipped.toString("base64url")}`)),
        "G11",
        "a corrupted ciphertext byte",
      );
      const tag = Buffer.from(bytes);
      tag[tag.length - 1] = (tag[tag.length - 1] as number) ^ 0x80;
      expectRow(await query(scanned(`TT-${tag.toString("base64url")}`)), "G11", "a corrupted tag");
      const version = Buffer.from(bytes);
      version[0] = 0x02;
      expectRow(
        await query(scanned(`TT-${version.toString("base64url")}`)),
        "G11",
        "an unknown version byte",
      );
      const foreign = new QrCodec(randomBytes(32)).seal({
        v: 1,
        shop_order_id: o("q").shopOrderId,
        qr_id: "x",
        iat: NOW,
        exp: NOW + 120,
      });
      expectRow(await query(scanned(foreign)), "G11", "sealed with another key");
      expectRow(
        await query(scanned(`TT-${Buffer.alloc(29, 1).toString("base64url")}`)),
        "G11",
        "just long enough, not authentic",
      );
    });

    it("G12: the QR decrypts under the server's key but is not the QR JSON", async () => {
      const codec = t.server.context.qr;
      const valid = { v: 1, shop_order_id: o("q").shopOrderId, qr_id: "qr-1", iat: NOW, exp: NOW + 120 };
      const plaintexts: [string, Buffer][] = [
        ["plain text", Buffer.from("hello, world")],
        ["an empty plaintext", Buffer.alloc(0)],
        ["invalid UTF-8", Buffer.from([0xff, 0xfe, 0x7b, 0x7d])],
        ["a JSON array", Buffer.from("[1,2,3]")],
        ["JSON null", Buffer.from("null")],
        ["version 2", Buffer.from(JSON.stringify({ ...valid, v: 2 }))],
        ["shop_order_id missing", Buffer.from(JSON.stringify({ ...valid, shop_order_id: undefined }))],
        [
          "shop_order_id a number",
          Buffer.from(JSON.stringify({ ...valid, shop_order_id: 5800000000000001000 })),
        ],
        ["shop_order_id not a decimal id", Buffer.from(JSON.stringify({ ...valid, shop_order_id: "58x" }))],
        ["qr_id missing", Buffer.from(JSON.stringify({ ...valid, qr_id: undefined }))],
        ["iat a string", Buffer.from(JSON.stringify({ ...valid, iat: String(NOW) }))],
        ["exp missing", Buffer.from(JSON.stringify({ ...valid, exp: undefined }))],
      ];
      for (const [cause, plaintext] of plaintexts)
        expectRow(await query(scanned(codec.sealBytes(plaintext))), "G12", cause);
      // control: the same shape, sealed the same way, opens
      expectOk(
        await query(scanned(codec.sealBytes(Buffer.from(JSON.stringify(valid))))),
        "a well-formed QR sealed in the test",
      );
    });

    it("G17: the QR's shop order has no vouchers for this merchant (unknown, or another merchant's)", async () => {
      const codec = t.server.context.qr;
      const unknown = codec.seal({
        v: 1,
        shop_order_id: "5899999999999999999",
        qr_id: "qr-unknown",
        iat: NOW,
        exp: NOW + 120,
      });
      expectRow(await query(scanned(unknown)), "G17", "an unknown shop order");
      expectRow(
        await query(scanned(await issueQr(o("otherMerchant").shopOrderId))),
        "G17",
        "another merchant's shop order",
      );
    });

    it("G19: a QR past its lifetime (the business clock moved on); data packs only after-sale/FINISH codes", async () => {
      const qr = await issueQr(o("g19").shopOrderId, 60);
      expectOk(await query(scanned(qr)), "the fresh QR");
      await setClock(NOW + 61);
      const a = await query(scanned(qr));
      expectRow(a, "G19", "clock 61 s after a 60 s QR was issued");
      expect(a.json.data.shop_order_id).toBe(o("g19").shopOrderId);
      expect(codeList(a).map((c) => [c.code, c.redemption_status])).toEqual([[o("g19").codes[1], 500]]);
      await setClock(NOW + 3600);
      expectRow(await query(scanned(qr)), "G19", "an hour later");
    });

    it("G22: a QR issued before a redemption of its order is spent; data packs only FINISH/after-sale codes", async () => {
      const g = o("g22");
      const qr = await issueQr(g.shopOrderId);
      expectOk(await redeem({ ...redeemBody("g22"), code_list: [g.codes[0]] }), "redeem one code");
      const a = await query(scanned(qr));
      expectRow(a, "G22", "QR issued, then one code redeemed, then the QR scanned");
      expect(a.json.data.shop_order_id).toBe(g.shopOrderId);
      const statuses = new Map(codeList(a).map((c) => [c.code, c.redemption_status]));
      expect(statuses).toEqual(
        new Map([
          [g.codes[0], 400],
          [g.codes[2], 500],
          [g.codes[3], 501],
        ]),
      );
      // a fresh QR, issued after the redemption, is not spent
      await setClock(NOW + 1);
      expectOk(await query(scanned(await issueQr(g.shopOrderId))), "a QR refreshed after the redemption");
    });

    it("G22: a redemption before the QR's iat does not spend it", async () => {
      expectOk(
        await redeem({ ...redeemBody("g22Before"), code_list: [o("g22Before").codes[0]] }),
        "redeem one code",
      );
      await setClock(NOW + 1);
      const a = expectOk(
        await query(scanned(await issueQr(o("g22Before").shopOrderId))),
        "QR issued after the redemption",
      );
      expect(codeList(a)).toHaveLength(2);
    });

    it("G22: spent even when the redemption was later cancelled", async () => {
      const qr = await issueQr(o("g22Cancelled").shopOrderId);
      const done = expectOk(await redeem(redeemBody("g22Cancelled")), "redeem");
      const cancel = track(
        await t.postJson(
          CANCEL,
          {
            merchant_id: MERCHANT,
            third_shop_id: SHOP_1,
            redeem_id: done.json.data.redeem_id,
            locale: "en-US",
          },
          { authorization: `Bearer ${tokens.full}` },
        ),
        "cancel",
      );
      expectOk(cancel, "cancel the redemption");
      const a = await query(scanned(qr));
      expectRow(a, "G22", "QR issued, order redeemed, redemption cancelled, QR scanned");
      expect(codeList(a)).toEqual([]);
    });

    it("G22 wins over G19 when the QR is both spent and expired", async () => {
      const g = o("g22Expired");
      const qr = await issueQr(g.shopOrderId, 60);
      expectOk(await redeem({ ...redeemBody("g22Expired"), code_list: [g.codes[1]] }), "redeem one code");
      await setClock(NOW + 120);
      const a = await query(scanned(qr));
      expectRow(a, "G22", "spent and past its lifetime");
      expect(codeList(a).map((c) => [c.code, c.redemption_status])).toEqual([[g.codes[1], 400]]);
    });

    // ---------------------------------------------------------------- redeem_code: gateway

    it("R1: the request's shape (schema, list size, not JSON, content type, size, Idempotency-Key length)", async () => {
      const base = redeemBody("rGate");
      const without = (field: string) =>
        Object.fromEntries(Object.entries(base).filter(([k]) => k !== field));
      const shapes: [string, unknown][] = [
        ...["merchant_id", "third_shop_id", "shop_order_id", "code_list", "locale"].map(
          (f): [string, unknown] => [`missing ${f}`, without(f)],
        ),
        ["merchant_id of the wrong type", { ...base, merchant_id: 7000000000000000 }],
        ["shop_order_id of the wrong type", { ...base, shop_order_id: Number(base.shop_order_id) }],
        ["code_list of the wrong type", { ...base, code_list: base.code_list[0] }],
        ["a code of the wrong type", { ...base, code_list: [Number(base.code_list[0])] }],
        ["locale of the wrong type", { ...base, locale: null }],
        ["an empty code_list", { ...base, code_list: [] }],
        [
          "101 codes",
          { ...base, code_list: Array.from({ length: 101 }, (_, i) => String(100000000000 + i)) },
        ],
        ["a JSON array body", [base]],
        ["a JSON null body", null],
      ];
      for (const [cause, body] of shapes) expectRow(await redeem(body), "R1", cause);

      const json = JSON.stringify(base);
      expectRow(
        await raw(REDEEM, "{not json", { "content-type": "application/json" }),
        "R1",
        "a body that is not JSON",
      );
      expectRow(await raw(REDEEM, "", { "content-type": "application/json" }), "R1", "an empty body");
      expectRow(await raw(REDEEM, undefined, {}), "R1", "no body at all");
      expectRow(await raw(REDEEM, json, { "content-type": "text/plain" }), "R1", "JSON sent as text/plain");
      expectRow(
        await raw(REDEEM, json, { "content-type": "application/xml" }),
        "R1",
        "JSON sent as application/xml",
      );
      expectRow(await raw(REDEEM, new Blob([json]), {}), "R1", "JSON sent without a content type");
      const form = new URLSearchParams({ ...base, code_list: base.code_list[0] as string }).toString();
      expectRow(
        await raw(REDEEM, form, { "content-type": "application/x-www-form-urlencoded" }),
        "R1",
        "a form body, not JSON",
      );
      const big = JSON.stringify({ ...base, padding: "x".repeat(64 * 1024) });
      expectRow(
        await raw(REDEEM, big, { "content-type": "application/json" }),
        "R1",
        "a body larger than 64 KB",
      );
      expectRow(await redeem(base, "k".repeat(256)), "R1", "an Idempotency-Key of 256 characters");
      expectRow(await redeem(base, ""), "R1", "an empty Idempotency-Key");
      // none of this touched the order
      const still = expectOk(await query(typed(o("rGate").codes)), "the order after R1");
      expect(codeList(still)[0]?.redemption_status).toBe(100);
    });

    it("R2: an unknown shop, another merchant's shop, a shop outside the grant", async () => {
      expectRow(await redeem(redeemBody("rGate", { third_shop_id: "S-404" })), "R2", "third_shop_id unknown");
      expectRow(
        await redeem(redeemBody("rGate", { third_shop_id: "O-001" })),
        "R2",
        "third_shop_id of another merchant",
      );
      expectRow(
        await redeem(redeemBody("rGate"), undefined, tokens.shop2),
        "R2",
        "grant limited to S-002, asked for S-001",
      );
    });

    it("R2b: a token without the redeem scope, or a body merchant_id that is not the token's", async () => {
      expectRow(
        await redeem(redeemBody("rGate"), undefined, tokens.queryOnly),
        "R2b",
        "grant with only the query scope",
      );
      expectRow(
        await redeem(redeemBody("rGate", { merchant_id: OTHER_MERCHANT })),
        "R2b",
        "body merchant_id of another merchant",
      );
      expectRow(
        await redeem(redeemBody("rGate"), undefined, tokens.otherMerchant),
        "R2b",
        "token of another merchant, body merchant_id ours",
      );
    });

    it("R3: duplicate codes (before the permission checks)", async () => {
      const code = o("rGate").codes[0] as string;
      expectRow(await redeem(redeemBody("rGate", { code_list: [code, code] })), "R3", "the same code twice");
      expectRow(
        await redeem(redeemBody("rGate", { code_list: [code, code], third_shop_id: "S-404" })),
        "R3",
        "duplicates come before the shop check",
      );
      expectRow(
        await redeem(redeemBody("rGate", { code_list: [code, code] }), undefined, tokens.queryOnly),
        "R3",
        "duplicates come before the scope check",
      );
    });

    const gatewayFaults: [row: string, point: string][] = [
      ["R4", "redeem.verifier_name"],
      ["R5", "redeem.shop_permission"],
      ["R6", "redeem.redeem_permission"],
      ["R7", "redeem.main_account"],
    ];
    for (const [row, point] of gatewayFaults) {
      it(`${row}: fault ${point}`, async () => {
        expect(catalogueRow(row as RowId).fault).toBe(point);
        await arm(point);
        expectRow(await redeem(redeemBody(`fault${row}`)), row, `fault ${point}`);
        const after = expectOk(await query(typed(o(`fault${row}`).codes)), `${row}: the order after`);
        expect(codeList(after)[0]?.redemption_status).toBe(100);
      });
    }

    // ---------------------------------------------------------------- redeem_code: the core

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

    // ---------------------------------------------------------------- (ext) Idempotency-Key

    it("X1: the same Idempotency-Key with another body → FulfillIdempotencyKeyReused", async () => {
      const [c0, c1] = o("idemReused").codes as [string, string];
      expectOk(
        await redeem(redeemBody("idemReused", { code_list: [c0] }), "conf-key-reused"),
        "first use of the key",
      );
      expectRow(
        await redeem(redeemBody("idemReused", { code_list: [c1] }), "conf-key-reused"),
        "X1",
        "same key, another code",
      );
      expectRow(
        await redeem(redeemBody("idemReused", { code_list: [c0], locale: "id-ID" }), "conf-key-reused"),
        "X1",
        "same key, another locale",
      );
      // the refused request changed nothing
      const after = expectOk(await query(typed([c1])), "the other code");
      expect(codeList(after)[0]?.redemption_status).toBe(100);
    });

    it("the same Idempotency-Key and body replays the first answer with its own log id", async () => {
      const key = `conf-key-replay-${db}`;
      const first = expectOk(await redeem(redeemBody("idemReplay"), key), "first");
      expect(first.headers.get("idempotent-replayed")).toBeNull();
      const second = expectOk(await redeem(redeemBody("idemReplay"), key), "replay");
      expect(second.json.data).toEqual(first.json.data);
      expect(second.json.error.code).toBe(first.json.error.code);
      expect(second.json.error.message).toBe(first.json.error.message);
      expect(second.headers.get("idempotent-replayed")).toBe("true");
      expect(second.json.error.log_id).not.toBe(first.json.error.log_id);
      // a final error is replayed the same way
      const bad = redeemBody("idemReplay", { shop_order_id: "58x" });
      const e1 = await redeem(bad, `${key}-err`);
      expectRow(e1, "R10", "first answer under a key");
      const e2 = await redeem(bad, `${key}-err`);
      expectRow(e2, "R10", "replayed under the same key");
      expect(e2.headers.get("idempotent-replayed")).toBe("true");
      expect(e2.json.error.log_id).not.toBe(e1.json.error.log_id);
      note(generic, db, "200 replay", "Idempotent-Replayed: true, own log id");
    });

    it("X2: the same Idempotency-Key while the first request is in flight → FulfillRedeemUpdateConflict", async () => {
      await arm("redeem.core_timeout");
      const slow = redeem(redeemBody("idemInFlight"), "conf-key-in-flight");
      await new Promise((r) => setTimeout(r, 300));
      expectRow(
        await redeem(redeemBody("idemInFlight"), "conf-key-in-flight"),
        "X2",
        "same key while the first is stalled",
      );
      expectRow(await slow, "R9", "the stalled first request");
      expectOk(
        await redeem(redeemBody("idemInFlight"), "conf-key-in-flight"),
        "the transient answer released the key",
      );
    });

    // ---------------------------------------------------------------- rate limit (own server)

    describe("rate limit", () => {
      let limited: TestServer;
      beforeAll(async () => {
        limited = await startTestServer(database, { rateLimitPerSecond: 5 });
        const w = baseWorld();
        w.products = [product(P_ANY)];
        w.orders = [
          world.orders?.find((x) => x.shop_order_id === o("q").shopOrderId) as NonNullable<
            typeof w.orders
          >[number],
        ];
        track(await limited.world(w), "world");
        track(await limited.clock(NOW), "clock");
      }, 60_000);
      afterAll(async () => limited?.close());

      it("more than 5 requests in a second → 429 rate_limit_exceeded with Retry-After", async () => {
        const token = await limited.token();
        const answers = await Promise.all(
          Array.from({ length: 12 }, () => limited.query(token, typed(o("q").codes))),
        );
        for (const a of answers) checkEnvelope(a, "rate-limited server");
        const refused = answers.filter((a) => a.status === 429);
        const passed = answers.filter((a) => a.status !== 429);
        expect(refused.length).toBeGreaterThanOrEqual(1);
        expect(passed.length).toBeGreaterThanOrEqual(5);
        for (const a of passed) expect(a.json.error.code).toBe("0");
        for (const a of refused) {
          expectGeneric(a, 429, "rate_limit_exceeded", "12 concurrent lookups with a limit of 5/s");
          const retry = Number(a.headers.get("retry-after"));
          expect(Number.isInteger(retry) && retry >= 1).toBe(true);
        }
        // another endpoint has its own budget
        const other = await limited.redeem(token, { ...redeemBody("q"), code_list: ["12345"] });
        checkEnvelope(other, "redeem on the rate-limited server");
        expect(other.status).toBe(500);
      });
    });
  });
}

describe("the contract's table", () => {
  it("the catalogue matches the contract for every row, and names the contract's fault points", () => {
    for (const row of Object.keys(CONTRACT)) {
      const [code, message, handling] = CONTRACT[row] as (typeof CONTRACT)[string];
      const cat = catalogueRow(row as RowId);
      expect([cat.code, cat.message, cat.handling, cat.httpStatus], row).toEqual([
        code,
        message,
        handling,
        500,
      ]);
      expect(cat.fault, row).toBe(CONTRACT_FAULTS[row]);
    }
    // no query/redeem row of the catalogue is left out of this suite (R8 is the core's pass-through, not a row)
    const seed = CATALOGUE.filter((r) => r.endpoint === "query" || r.endpoint === "redeem").map((r) => r.row);
    expect(new Set(seed)).toEqual(new Set(Object.keys(CONTRACT)));
  });
});

describe("suite-wide", () => {
  afterAll(() => {
    const dbs = [...coverage.keys()];
    const lines = [
      `| row | code | message | ${dbs.join(" | ")} |`,
      `|---|---|---|${dbs.map(() => "---").join("|")}|`,
    ];
    for (const row of REQUIRED) {
      const [code, message] = CONTRACT[row] as (typeof CONTRACT)[string];
      lines.push(
        `| ${row} | ${code} | ${message} | ${dbs.map((d) => coverage.get(d)?.get(row)?.length ?? 0).join(" | ")} |`,
      );
    }
    for (const key of new Set([...generic.values()].flatMap((m) => [...m.keys()]))) {
      lines.push(
        `| (generic) | ${key} | | ${dbs.map((d) => generic.get(d)?.get(key)?.length ?? 0).join(" | ")} |`,
      );
    }
    lines.push(`answers with a log id: ${logIds.length}, distinct: ${new Set(logIds).size}`);
    console.log(`conformance coverage (answers per row and database)\n${lines.join("\n")}`);
  });

  it("every required row was reached on every database", () => {
    expect(coverage.size).toBe(testDatabases().length);
    for (const [db, rows] of coverage) {
      const missing = REQUIRED.filter((r) => !rows.has(r));
      expect(missing, `rows not reached on ${db}`).toEqual([]);
    }
  });

  it("every answer of the suite had a log id of its own", () => {
    expect(logIds.length).toBeGreaterThan(100);
    const seen = new Map<string, number>();
    for (const id of logIds) seen.set(id, (seen.get(id) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
  });
});
