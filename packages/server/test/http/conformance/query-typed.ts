/** Conformance, get_code_item_list: the request, shop, scope and code rows (G1–G6). */
import { it } from "vitest";
import { QUERY } from "../../support/server.js";
import { MERCHANT, OTHER_MERCHANT, SHOP_1, SHOP_2 } from "../../support/world.js";
import type { Conformance } from "./support.js";

export function queryTypedRows(c: Conformance): void {
  const { query, raw, issueQr, typed, scanned, expectRow, o, tokens } = c;

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
    expectRow(await query(typed(o("q").codes), tokens.redeemOnly), "G4", "grant with only the redeem scope");
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
}
