/**
 * A client generated from the running server's /openapi.json (openapi-typescript +
 * openapi-fetch, both pinned) type-checks a whole flow (tsc, strict) and runs it against a real
 * server on loopback: token → lookup → redeem → lookup → records → cancel. The int64
 * redeemed_shop_id is rounded by such a client; its (ext) redeemed_shop_id_str is exact.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import openapiTS, { astToString } from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1, SHOP_ID_1 } from "../support/world.js";

const here = dirname(fileURLToPath(import.meta.url));
const bin = (name: string) => resolve(here, "../../../../node_modules/.bin", name);
const run = promisify(execFile);

/** The integrator's code: only the generated types and openapi-fetch. */
const FLOW = `
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

const M = "${MERCHANT}";
const SHOP = "${SHOP_1}";
const CODE = process.env.CODE ?? "";
const client = createClient<paths>({ baseUrl: process.env.BASE_URL ?? "" });

const token = await client.POST("/merchant/oauth/token/", {
  body: { client_key: "ck_demo", client_secret: "cs_demo", merchant_id: M, grant_type: "access_token" },
  bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
  headers: { "content-type": "application/x-www-form-urlencoded" },
});
if (!token.data) throw new Error("token: " + JSON.stringify(token.error));
const accessToken: string = token.data.access_token;
const expiresIn: number = token.data.expires_in;
const headers = { authorization: "Bearer " + accessToken };

const lookup = () =>
  client.POST("/v2/localservice/saas/fulfill/get_code_item_list/", {
    headers,
    body: { merchant_id: M, third_shop_id: SHOP, code_list: [CODE], locale: "en-US" },
  });
const found = await lookup();
if (!found.data) throw new Error("lookup: " + JSON.stringify(found.error));
const shopOrderId: string = found.data.data.shop_order_id;
const before: 0 | 100 | 400 | 500 | 501 = found.data.data.code_list[0]?.redemption_status ?? 0;

const redeemed = await client.POST("/v2/localservice/saas/fulfill/redeem_code/", {
  headers: { ...headers, "idempotency-key": "generated-client-1" },
  body: { merchant_id: M, third_shop_id: SHOP, shop_order_id: shopOrderId, code_list: [CODE], locale: "en-US" },
});
if (!redeemed.data) throw new Error("redeem: " + JSON.stringify(redeemed.error));
const redeemId: string = redeemed.data.data.redeem_id;

const after = await lookup();
if (!after.data) throw new Error("lookup after: " + JSON.stringify(after.error));
const item = after.data.data.code_list[0];
if (!item) throw new Error("no item");
const shopId: number | undefined = item.redeemed_shop_id;
const shopIdStr: string | undefined = item.redeemed_shop_id_str;
const source: 1 | 2 | undefined = item.redemption_source;

const records = await client.POST("/v2/localservice/saas/fulfill/query_redeem_record/", {
  headers,
  body: { merchant_id: M, start_time: 0, end_time: ${NOW + 86_400}, cursor: "0", size: 10 },
});
if (!records.data) throw new Error("records: " + JSON.stringify(records.error));
const status: "REDEEMED" | "CANCELLED" | undefined = records.data.data.records[0]?.status;

const cancelled = await client.POST("/v2/localservice/saas/fulfill/cancel_redeem/", {
  headers,
  body: { merchant_id: M, third_shop_id: SHOP, redeem_id: redeemId, locale: "en-US" },
});
if (!cancelled.data) throw new Error("cancel: " + JSON.stringify(cancelled.error));
const cancelTime: number = cancelled.data.data.cancel_time;

console.log(JSON.stringify({
  expiresIn, before, redeemId, shopId: String(shopId), shopIdStr, source, status,
  cancelledId: cancelled.data.data.redeem_id, cancelTime,
}));
`;

describe("a client generated from /openapi.json", () => {
  let t: TestServer;
  let folder: string;
  const built = order({ productId: "7200000000000000771", items: [{ status: "WAIT_FULFILL" }] });
  beforeAll(async () => {
    t = await startTestServer(testDatabases()[0] as ReturnType<typeof testDatabases>[number]);
    const world = baseWorld();
    world.products = [product("7200000000000000771")];
    world.orders = [built.order];
    expect((await t.world(world)).status).toBe(200);
    expect((await t.clock(NOW)).status).toBe(200);
    // Inside the repository, so that the generated client resolves openapi-fetch.
    folder = mkdtempSync(join(here, ".client-"));
  });
  afterAll(async () => {
    await t?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it("type-checks and runs token → lookup → redeem → records → cancel; redeemed_shop_id_str is exact", async () => {
    const doc = (await t.request("/openapi.json")).json;
    writeFileSync(join(folder, "schema.d.ts"), astToString(await openapiTS(doc)));
    writeFileSync(join(folder, "flow.mts"), FLOW);
    writeFileSync(
      join(folder, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          noEmit: true,
          strict: true,
          skipLibCheck: true,
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          types: ["node"],
        },
        files: ["flow.mts", "schema.d.ts"],
      }),
    );
    const tsc = await run(bin("tsc"), ["-p", folder], { cwd: folder }).catch((err: { stdout: string }) => ({
      stdout: err.stdout,
      failed: true,
    }));
    expect(tsc.stdout).toBe("");

    const flow = await run(bin("tsx"), [join(folder, "flow.mts")], {
      cwd: folder,
      env: { ...process.env, BASE_URL: t.url, CODE: built.built.codes[0] },
    });
    const seen = JSON.parse(flow.stdout.trim().split("\n").at(-1) ?? "{}");
    expect(seen.before).toBe(100);
    expect(seen.redeemId).toMatch(/^[0-9]+$/);
    expect(seen.source).toBe(2);
    expect(seen.status).toBe("REDEEMED");
    expect(seen.cancelledId).toBe(seen.redeemId);
    // The number, parsed by JSON.parse, is rounded; the string is exact.
    expect(seen.shopId).not.toBe(SHOP_ID_1);
    expect(seen.shopIdStr).toBe("7100000000000000001");
  }, 120_000);
});
