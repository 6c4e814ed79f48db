/**
 * The demo's reload (`npm start` loads the demo world again on every start, into the same data
 * folder): its codes start unused and the redemptions of an earlier run are gone, so the POS's
 * "Today" (query_redeem_record) lists each code once (issue 16). The platform's own world
 * writes keep redemptions: they are accounting records.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO, demoWorld } from "../../src/demo-world.js";
import { buildInProcessApp, type InProcessApp } from "../support/in-process-app.js";

const REDEEM = "/v2/localservice/saas/fulfill/redeem_code/";
const RECORDS = "/v2/localservice/saas/fulfill/query_redeem_record/";

describe("the demo world's reload", () => {
  let ip: InProcessApp;
  let token = "";
  const now = Math.floor(Date.now() / 1000);

  const json = (path: string, body: unknown) =>
    ip.post(path, "application/json", JSON.stringify(body), { authorization: `Bearer ${token}` });
  const redeem = () =>
    json(REDEEM, {
      merchant_id: DEMO.merchantId,
      third_shop_id: DEMO.shop,
      shop_order_id: DEMO.shopOrderId,
      code_list: [DEMO.code],
      locale: "en-US",
    });
  /** Today's redemptions of the demo shop that name the demo code. */
  const recordsOfCode = async () => {
    const r = await json(RECORDS, {
      merchant_id: DEMO.merchantId,
      third_shop_id: DEMO.shop,
      start_time: now - 86_400,
      end_time: now + 86_400,
      cursor: "0",
      size: 100,
    });
    expect(r.status, r.text).toBe(200);
    return (r.json.data.records as { codes: string[]; status: string }[]).filter((x) =>
      x.codes.includes(DEMO.code),
    );
  };

  beforeAll(async () => {
    ip = await buildInProcessApp();
    const sandbox = ip.context.sandbox;
    if (!sandbox) throw new Error("the in-process app runs in the sandbox");
    const loaded = await sandbox.loadWorld(demoWorld(now), { forgetRedemptions: true });
    expect(loaded.ok).toBe(true);
    token = await ip.token();
  }, 60_000);
  afterAll(async () => ip?.close());

  it("forgets the demo's redemptions: after a reload the code redeems again and is listed once", async () => {
    const sandbox = ip.context.sandbox;
    if (!sandbox) throw new Error("no sandbox");
    const first = await redeem();
    expect(first.status, first.text).toBe(200);
    expect(await recordsOfCode()).toHaveLength(1);

    const reloaded = await sandbox.loadWorld(demoWorld(now), { forgetRedemptions: true });
    expect(reloaded.ok).toBe(true);
    expect(await recordsOfCode()).toHaveLength(0);

    const second = await redeem();
    expect(second.status, second.text).toBe(200);
    expect(second.json.error.code).toBe("0");
    expect(await recordsOfCode()).toHaveLength(1);
  });

  it("a world load without the option keeps the redemptions (the platform's writes)", async () => {
    const sandbox = ip.context.sandbox;
    if (!sandbox) throw new Error("no sandbox");
    const before = await recordsOfCode();
    expect(before).toHaveLength(1);
    const reloaded = await sandbox.loadWorld(demoWorld(now));
    expect(reloaded.ok).toBe(true);
    expect(await recordsOfCode()).toHaveLength(1);
  });
});
