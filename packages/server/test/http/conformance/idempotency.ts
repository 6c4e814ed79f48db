/** Conformance, (ext) Idempotency-Key: X1, the replay, X2 (CONTRACT.md section 5). */
import { expect, it } from "vitest";
import { type Conformance, codeList, generic, note } from "./support.js";

export function idempotencyRows(c: Conformance): void {
  const { query, redeem, arm, typed, redeemBody, expectRow, expectOk, o, db } = c;

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
}
