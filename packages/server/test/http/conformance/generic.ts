/** Conformance: the generic answers (401, 404) and a valid request on both endpoints (the suite is not vacuous). */
import { expect, it } from "vitest";
import { OPERATOR_TOKEN, QUERY, REDEEM } from "../../support/server.js";
import { type Conformance, codeList } from "./support.js";

export function genericAnswers(c: Conformance): void {
  const {
    track,
    query,
    redeem,
    raw,
    issueQr,
    typed,
    scanned,
    redeemBody,
    expectGeneric,
    expectOk,
    o,
    tokens,
  } = c;

  it("no, unknown, malformed or expired token → 401 access_token_invalid on both endpoints", async () => {
    for (const [path, body] of [
      [QUERY, typed(o("q").codes)],
      [REDEEM, redeemBody("rGate")],
    ] as const) {
      expectGeneric(
        track(await c.t.postJson(path, body), "no token"),
        401,
        "access_token_invalid",
        `${path}: no Authorization`,
      );
      expectGeneric(
        track(await c.t.postJson(path, body, { authorization: "Bearer mat.unknown" }), "unknown"),
        401,
        "access_token_invalid",
        `${path}: unknown token`,
      );
      expectGeneric(
        track(await c.t.postJson(path, body, { authorization: `Basic ${tokens.full}` }), "basic"),
        401,
        "access_token_invalid",
        `${path}: not a bearer token`,
      );
      expectGeneric(
        track(await c.t.postJson(path, body, { authorization: `Bearer ${tokens.expired}` }), "expired"),
        401,
        "access_token_invalid",
        `${path}: expired token`,
      );
      expectGeneric(
        track(await c.t.postJson(path, body, { authorization: `Bearer ${OPERATOR_TOKEN}` }), "operator"),
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
      await c.t.postJson(
        "/v2/localservice/saas/fulfill/no_such_endpoint/",
        {},
        { authorization: `Bearer ${tokens.full}` },
      ),
      "404",
    );
    expectGeneric(a, 404, "not_found", "POST unknown SaaS path");
    const b = track(await c.t.request("/no/such/thing"), "404");
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
}
