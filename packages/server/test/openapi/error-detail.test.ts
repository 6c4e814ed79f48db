/**
 * (ext) error.detail (CONTRACT.md section 3): a parameter row says which field is wrong and why,
 * never the field's value; every other row has no detail; with and without the sandbox. And an
 * endpoint's schema row describes itself without naming another endpoint's fields.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildInProcessApp, type InProcessApp } from "../support/in-process-app.js";
import { OPERATOR_TOKEN } from "../support/server.js";
import { baseWorld, MERCHANT, SHOP_1 } from "../support/world.js";

const QUERY = "/v2/localservice/saas/fulfill/get_code_item_list/";
const REDEEM = "/v2/localservice/saas/fulfill/redeem_code/";
const CANCEL = "/v2/localservice/saas/fulfill/cancel_redeem/";
const RECORDS = "/v2/localservice/saas/fulfill/query_redeem_record/";
const SECRET_VALUE = "SECRET-VALUE-7f3a";

const records = (overrides: Record<string, unknown>) => ({
  merchant_id: MERCHANT,
  start_time: 0,
  end_time: 2_000_000_000,
  cursor: "0",
  size: 10,
  ...overrides,
});
const redeem = (overrides: Record<string, unknown>) => ({
  merchant_id: MERCHANT,
  third_shop_id: SHOP_1,
  shop_order_id: "5800000000000000001",
  code_list: ["123456789012"],
  locale: "en-US",
  ...overrides,
});

/** Sandbox off: the app and merchant come through the platform API, as in production. */
async function productionApp(): Promise<{ app: InProcessApp; token: string }> {
  const app = await buildInProcessApp({ sandbox: false });
  const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` };
  const secret = "cs_detail_0123456789abcdef0123456789";
  const created = await app.post(
    "/platform/apps",
    "application/json",
    JSON.stringify({ client_key: "ck_detail", client_secret: secret, name: "Detail" }),
    operator,
  );
  expect(created.status, created.text).toBe(200);
  const merchant = {
    ...baseWorld().merchants?.[0],
    grants: [
      {
        client_key: "ck_detail",
        scopes: ["localservice.fulfill.query", "localservice.fulfill.redeem"],
        third_shop_ids: [],
      },
    ],
  };
  const put = await app.post("/platform/merchants", "application/json", JSON.stringify(merchant), operator);
  expect(put.status, put.text).toBe(200);
  const form = new URLSearchParams({
    client_key: "ck_detail",
    client_secret: secret,
    merchant_id: MERCHANT,
    grant_type: "access_token",
  });
  const token = await app.post(
    "/merchant/oauth/token/",
    "application/x-www-form-urlencoded",
    form.toString(),
  );
  expect(token.status, token.text).toBe(200);
  return { app, token: token.json.access_token };
}

for (const mode of ["sandbox", "production"] as const) {
  describe(`error.detail (${mode})`, () => {
    let app: InProcessApp;
    let token: string;
    beforeAll(async () => {
      if (mode === "production") ({ app, token } = await productionApp());
      else {
        app = await buildInProcessApp();
        expect((await app.world(baseWorld())).status).toBe(200);
        token = await app.token();
      }
    });
    afterAll(async () => app?.close());

    const call = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      app.post(path, "application/json", typeof body === "string" ? body : JSON.stringify(body), {
        authorization: `Bearer ${token}`,
        ...headers,
      });

    it("query_redeem_record/ schema row: names the cursor, and its description no redeem field", async () => {
      const a = await call(RECORDS, records({ cursor: "" }));
      expect(a.json.error.message, a.text).toBe("FulfillParamInvalid");
      expect(a.json.error.detail).toMatch(/^body\/cursor .*1 character/);
      expect(a.json.error.description).not.toMatch(/code_list|shop_order_id|qr_info/);
    });

    it("cancel_redeem/ schema row: names the missing field", async () => {
      const a = await call(CANCEL, { merchant_id: MERCHANT, third_shop_id: SHOP_1 });
      expect(a.json.error.message, a.text).toBe("FulfillParamInvalid");
      expect(a.json.error.detail).toMatch(/redeem_id/);
      expect(a.json.error.description).not.toMatch(/code_list|shop_order_id|qr_info|cursor/);
    });

    it("a NUL in merchant_id: the field and the rule, not the value", async () => {
      const a = await call(REDEEM, redeem({ merchant_id: `${SECRET_VALUE}\u0000` }));
      expect(a.json.error.message, a.text).toBe("FulfillParamInvalid");
      expect(a.json.error.detail).toBe(
        "body/merchant_id must not hold a NUL character, nor be a number outside int64",
      );
    });

    it("a body that is not JSON", async () => {
      const a = await call(REDEEM, `{"merchant_id": "${SECRET_VALUE}`);
      expect(a.json.error.message, a.text).toBe("FulfillParamInvalid");
      expect(a.json.error.detail).toBe("the body is not valid JSON");
    });

    it("the gateway's and the core's parameter rows: G1, G3, R3, R10, R12, Q1", async () => {
      const cases: [string, unknown, string, string][] = [
        [
          QUERY,
          { merchant_id: MERCHANT, third_shop_id: SHOP_1 },
          "G1",
          "body: exactly one of code_list and qr_info is required",
        ],
        [
          QUERY,
          { merchant_id: MERCHANT, third_shop_id: SHOP_1, qr_info: SECRET_VALUE },
          "G1",
          "body/qr_info does not start with TT-",
        ],
        [
          QUERY,
          { merchant_id: MERCHANT, third_shop_id: SHOP_1, code_list: ["12345678901x"] },
          "G3",
          "body/code_list: a code holds a character that is not a digit",
        ],
        [
          REDEEM,
          redeem({ code_list: ["123456789012", "123456789012"] }),
          "R3",
          "body/code_list holds the same code twice",
        ],
        [
          REDEEM,
          redeem({ shop_order_id: SECRET_VALUE }),
          "R10",
          "body/shop_order_id is not a decimal id (1 to 19 digits, within int64)",
        ],
        [REDEEM, redeem({ code_list: ["1234"] }), "R12", "body/code_list: a code is not exactly 12 digits"],
        [RECORDS, records({ start_time: 10, end_time: 5 }), "Q1", "body/end_time is before body/start_time"],
        [
          RECORDS,
          records({ cursor: SECRET_VALUE }),
          "Q1",
          "body/cursor is not a cursor this endpoint returned",
        ],
      ];
      for (const [path, body, row, detail] of cases) {
        const a = await call(path, body);
        expect(a.status, `${row}: ${a.text}`).toBe(500);
        expect(a.json.error.detail, `${row}: ${a.text}`).toBe(detail);
        expect(a.text, row).not.toContain(SECRET_VALUE);
      }
    });

    it("other rows carry no detail (G5, R14)", async () => {
      const g5 = await call(QUERY, {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        code_list: ["999999999999"],
      });
      expect(g5.json.error.message, g5.text).toBe("FulfillCertificateNotFound");
      expect(g5.json.error).not.toHaveProperty("detail");
      const r14 = await call(REDEEM, redeem({ code_list: ["999999999998"] }));
      expect(r14.json.error.message, r14.text).toBe("FulfillVoucherCountMismatch");
      expect(r14.json.error).not.toHaveProperty("detail");
    });
  });
}
