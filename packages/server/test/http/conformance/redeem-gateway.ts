/** Conformance, redeem_code: the gateway rows (R1–R7). */
import { expect, it } from "vitest";
import { catalogueRow, type RowId } from "../../../src/domain/catalogue.js";
import { REDEEM } from "../../support/server.js";
import { OTHER_MERCHANT } from "../../support/world.js";
import { type Conformance, codeList } from "./support.js";

export function redeemGatewayRows(c: Conformance): void {
  const { query, redeem, raw, arm, typed, redeemBody, expectRow, expectOk, o, tokens } = c;

  it("R1: the request's shape (schema, list size, not JSON, content type, size, Idempotency-Key length)", async () => {
    const base = redeemBody("rGate");
    const without = (field: string) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== field));
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
      ["101 codes", { ...base, code_list: Array.from({ length: 101 }, (_, i) => String(100000000000 + i)) }],
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
}
