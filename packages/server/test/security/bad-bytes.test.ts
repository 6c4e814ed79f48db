/**
 * Bad bytes are parameter errors (CONTRACT.md section 3): a NUL in any string field, and an id
 * or cursor outside int64, answer the endpoint's parameter row (handling none), never a
 * dependency (retry) row and never internal_error; past `TT-` in qr_info it stays G10.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogueRow } from "../../src/domain/catalogue.js";
import { testDatabases } from "../support/databases.js";
import { QUERY, REDEEM, startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../support/world.js";

const CANCEL = "/v2/localservice/saas/fulfill/cancel_redeem/";
const RECORDS = "/v2/localservice/saas/fulfill/query_redeem_record/";
const TOKEN = "/merchant/oauth/token/";
const P = "7200000000000000601";
const NUL = "\u0000";
const BIG = "9223372036854775808"; // INT64_MAX + 1
const HUGE = "99999999999999999999";

const o = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
const code = o.built.codes[0] as string;

const query = { merchant_id: MERCHANT, third_shop_id: SHOP_1, code_list: [code], locale: "en-US" };
const redeem = {
  merchant_id: MERCHANT,
  third_shop_id: SHOP_1,
  shop_order_id: o.built.shopOrderId,
  code_list: [code],
  locale: "en-US",
};
const cancel = { merchant_id: MERCHANT, third_shop_id: SHOP_1, redeem_id: "7300000000000000001" };
const records = {
  merchant_id: MERCHANT,
  third_shop_id: SHOP_1,
  start_time: 0,
  end_time: NOW + 86400,
  cursor: "0",
  size: 10,
};

type Case = readonly [
  path: string,
  base: Record<string, unknown>,
  field: string,
  value: unknown,
  row: string,
];

const SAAS: Case[] = [
  [QUERY, query, "merchant_id", `${MERCHANT}${NUL}`, "G1"],
  [QUERY, query, "merchant_id", BIG, "G1"],
  [QUERY, query, "merchant_id", HUGE, "G1"],
  [QUERY, query, "third_shop_id", `S-001${NUL}`, "G1"],
  [QUERY, query, "third_shop_id", NUL, "G1"],
  [QUERY, query, "locale", `en-US${NUL}`, "G1"],
  [QUERY, query, "code_list", [`${code.slice(0, 11)}${NUL}`], "G3"],
  [QUERY, query, "code_list", [code, `12345${NUL}678901`], "G3"],
  [
    QUERY,
    { ...query, code_list: undefined },
    "qr_info",
    `TT-AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA${NUL}AAA`,
    "G10",
  ],
  [QUERY, { ...query, code_list: undefined }, "qr_info", `${NUL}TT-AQAAAAAAAAAAAAAAAAAAAAAAAAAAAA`, "G1"],
  [REDEEM, redeem, "merchant_id", `${NUL}`, "R1"],
  [REDEEM, redeem, "merchant_id", BIG, "R1"],
  [REDEEM, redeem, "third_shop_id", `S-001${NUL}`, "R1"],
  [REDEEM, redeem, "shop_order_id", `${o.built.shopOrderId}${NUL}`, "R1"],
  [REDEEM, redeem, "shop_order_id", BIG, "R10"],
  [REDEEM, redeem, "code_list", [`${code}${NUL}`], "R1"],
  [REDEEM, redeem, "locale", `en${NUL}US`, "R1"],
  [CANCEL, cancel, "merchant_id", `${MERCHANT}${NUL}`, "R1"],
  [CANCEL, cancel, "merchant_id", HUGE, "R1"],
  [CANCEL, cancel, "third_shop_id", `S-001${NUL}`, "R1"],
  [CANCEL, cancel, "redeem_id", `7300000000000000001${NUL}`, "R1"],
  [CANCEL, cancel, "redeem_id", BIG, "C6"],
  [CANCEL, cancel, "locale", `en-US${NUL}`, "R1"],
  [RECORDS, records, "merchant_id", `${MERCHANT}${NUL}`, "R1"],
  [RECORDS, records, "merchant_id", BIG, "R1"],
  [RECORDS, records, "third_shop_id", `S-001${NUL}`, "R1"],
  [RECORDS, records, "cursor", `0${NUL}`, "Q1"],
  [RECORDS, records, "cursor", `${NOW}_${BIG}`, "Q1"],
  [RECORDS, records, "cursor", `${NOW}_9999999999999999999`, "Q1"],
];

const tokenForm = {
  client_key: "ck_demo",
  client_secret: "cs_demo",
  merchant_id: MERCHANT,
  grant_type: "access_token",
};
const TOKEN_CASES: [field: string, value: string][] = [
  ["client_key", `ck_demo${NUL}`],
  ["client_key", `ck${NUL}`],
  ["client_secret", `cs_demo${NUL}`],
  ["merchant_id", `${MERCHANT}${NUL}`],
  ["merchant_id", BIG],
  ["merchant_id", "9999999999999999999"],
  ["grant_type", `access_token${NUL}`],
];

for (const database of testDatabases()) {
  describe(`bad bytes on ${database.name}`, () => {
    let t: TestServer;
    let token: string;
    beforeAll(async () => {
      t = await startTestServer(database);
      const world = baseWorld();
      world.products = [product(P)];
      world.orders = [o.order];
      expect((await t.world(world)).status).toBe(200);
      await t.clock(NOW);
      token = await t.token();
    });
    afterAll(async () => t?.close());

    it("answer the SaaS endpoints' parameter rows (G10 inside a QR), never a retry row or internal_error", async () => {
      const wrong: string[] = [];
      for (const [path, base, field, value, row] of SAAS) {
        const res = await t.postJson(path, { ...base, [field]: value }, { authorization: `Bearer ${token}` });
        const expected = catalogueRow(row as Parameters<typeof catalogueRow>[0]);
        const got = `${res.status} ${res.json?.error?.code} ${res.json?.error?.message} ${res.json?.error?.handling}`;
        const want = `${expected.httpStatus} ${expected.code} ${expected.message} ${expected.handling}`;
        if (got !== want)
          wrong.push(`${path} ${field}=${JSON.stringify(value)}: ${got}, expected ${row} (${want})`);
      }
      expect(wrong).toEqual([]);
    });

    it("answer invalid_request on the token endpoint", async () => {
      const wrong: string[] = [];
      for (const [field, value] of TOKEN_CASES) {
        const res = await t.request(TOKEN, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ ...tokenForm, [field]: value }).toString(),
        });
        const got = `${res.status} ${res.json?.error}`;
        if (got !== "400 invalid_request") wrong.push(`${field}=${JSON.stringify(value)}: ${got}`);
      }
      expect(wrong).toEqual([]);
    });

    it("answer the platform API's validation error, never 500", async () => {
      const cases: [method: string, path: string, body: unknown][] = [
        ["POST", "/platform/apps", { client_key: `ck_x${NUL}`, name: "X", client_secret: "s".repeat(40) }],
        ["POST", "/platform/apps", { client_key: "ck_x", name: `X${NUL}`, client_secret: "s".repeat(40) }],
        [
          "POST",
          "/platform/merchants",
          { merchant_id: "7000000000000000077", name: `M${NUL}`, country: "ID", timezone: "Asia/Jakarta" },
        ],
        [
          "POST",
          "/platform/merchants",
          { merchant_id: "9999999999999999999", name: "M", country: "ID", timezone: "Asia/Jakarta" },
        ],
        [
          "POST",
          `/platform/merchants/${MERCHANT}/shops`,
          { shop_id: "7100000000000000077", third_shop_id: `S-0${NUL}77`, name: "N" },
        ],
        ["PUT", `/platform/merchants/${MERCHANT}/grants/ck%00demo`, { scopes: [] }],
        ["DELETE", `/platform/merchants/${MERCHANT}/grants/ck%00demo`, undefined],
        ["GET", "/platform/orders/9999999999999999999", undefined],
        ["GET", "/platform/logs/abc%00", undefined],
        ["POST", "/platform/holidays", { country: "ID", date: "2026-12-31", name: `H${NUL}` }],
        ["POST", "/sandbox/world", { holidays: [{ country: "ID", date: "2026-12-30", name: `H${NUL}` }] }],
      ];
      const wrong: string[] = [];
      for (const [method, path, body] of cases) {
        const res = await t.operator(method, path, body);
        if (res.status !== 400 || res.json?.error?.code !== "invalid_params")
          wrong.push(`${method} ${path}: ${res.status} ${res.text.slice(0, 160)}`);
      }
      expect(wrong).toEqual([]);
    });
  });
}
