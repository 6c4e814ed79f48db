/** The SDK's catalogue is generated from the server's, and the lossless JSON keeps int64 digits. */
import { describe, expect, it } from "vitest";
import { CATALOGUE as SERVER_CATALOGUE } from "../../server/src/domain/catalogue.js";
import { catalogueRows, renderCatalogue } from "../scripts/generate-catalogue.js";
import { findRow, parseJson } from "../src/index.js";
import { CATALOGUE } from "../src/wire/catalogue.generated.js";

describe("generated catalogue", () => {
  it("is up to date with packages/server/src/domain/catalogue.ts (else: npm run generate:catalogue -w @fulfill/sdk)", () => {
    expect(CATALOGUE).toEqual(catalogueRows());
    expect(CATALOGUE).toHaveLength(SERVER_CATALOGUE.length);
    expect(renderCatalogue()).toContain('"row":"G1"');
  });

  it("maps shared codes by endpoint, message and description", () => {
    expect(findRow("query", "-9990202", "FulfillGetShopPermissionFailed")).toMatchObject({
      row: "G8",
      handling: "retry",
    });
    expect(findRow("redeem", "-9990202", "FulfillGetShopPermissionFailed")).toMatchObject({
      row: "R5",
      handling: "recheck",
    });
    expect(findRow("redeem", "-3000102", "FulfillExecOrderAlreadyUsed")?.row).toBe("R24");
    const inFlight = SERVER_CATALOGUE.find((r) => r.row === "X2");
    expect(findRow("redeem", "-9990452", "FulfillRedeemUpdateConflict", inFlight?.description)?.row).toBe(
      "X2",
    );
    expect(findRow("redeem", "-9990001", "FulfillIdempotencyKeyReused")?.row).toBe("X1");
    // cancel_redeem answers redeem's gateway rows and its own.
    expect(findRow("cancel", "-9990202", "FulfillGetMainAccountFailed")?.row).toBe("R7");
    expect(findRow("cancel", "-3000302", "FulfillRedeemAlreadyCancelled")?.row).toBe("C3");
    expect(findRow("query", "-3000102", "FulfillVoucherAlreadyUsed")).toBeUndefined();
  });
});

describe("lossless JSON", () => {
  const text =
    '{"data":{"code_list":[{"product_name":"\\"redeemed_shop_id\\":9007199254740993","redeemed_shop_id" : 9007199254740993,"n":9007199254740993},{"redeemed_shop_id":-7100000000000000001}]}}';

  it("keeps every digit of int64 fields as decimal strings, and nothing else changes", () => {
    // biome-ignore lint/suspicious/noExplicitAny: reading a parsed test document
    const parsed = parseJson(text) as any;
    const [a, b] = parsed.data.code_list;
    expect(a.redeemed_shop_id).toBe("9007199254740993");
    expect(b.redeemed_shop_id).toBe("-7100000000000000001");
    expect(a.product_name).toBe('"redeemed_shop_id":9007199254740993');
    expect(typeof a.n).toBe("number");
    // What JSON.parse alone would have done:
    expect(String(JSON.parse(text).data.code_list[0].redeemed_shop_id)).not.toBe("9007199254740993");
  });
});
