/**
 * What `fulfill` prints (issue 16): `--json token` is the whole token answer; `qr --png` writes
 * the picture to the file and does not also draw it in the terminal; the help names the token
 * file `npm start` writes; `device pair` prints a one-time pairing code that pairs a POS, and
 * the POS URL.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../../server/test/support/databases.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../../server/test/support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../../server/test/support/world.js";

const BIN = fileURLToPath(new URL("../../../node_modules/.bin/fulfill", import.meta.url));
const P = "7200000000000000611";

function fulfill(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(BIN, args, { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as { code?: unknown }).code === "number"
          ? (err as { code: number }).code
          : 1
        : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

// Like cli.test.ts: the CLI does not depend on the database under the server (embedded pass only).
describe.skipIf(process.env.DATABASE_URL)("what the fulfill command prints", () => {
  let t: TestServer;
  let env: Record<string, string>;
  const a = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
  const dir = mkdtempSync(join(tmpdir(), "fulfill-cli-output-"));

  beforeAll(async () => {
    const [database] = testDatabases();
    if (!database) throw new Error("no database");
    t = await startTestServer(database);
    const world = baseWorld();
    world.products = [product(P)];
    world.orders = [a.order];
    expect((await t.world(world)).status).toBe(200);
    await t.clock(NOW);
    env = {
      FULFILL_URL: t.url,
      FULFILL_CLIENT_KEY: "ck_demo",
      FULFILL_CLIENT_SECRET: "cs_demo",
      FULFILL_MERCHANT_ID: MERCHANT,
      FULFILL_OPERATOR_TOKEN: OPERATOR_TOKEN,
    };
  });
  afterAll(async () => t?.close());

  it("--json token prints the whole token answer; the token works", async () => {
    const r = await fulfill(["--json", "token"], env);
    expect(r.code, r.stderr).toBe(0);
    const answer = JSON.parse(r.stdout);
    expect(answer).toMatchObject({
      access_token: expect.stringMatching(/^mat\./),
      expires_in: expect.any(Number),
      refresh_token: expect.any(String),
      refresh_expires_in: expect.any(Number),
    });
    expect(answer.refresh_token).not.toBe("");
    const used = await t.query(answer.access_token, {
      merchant_id: MERCHANT,
      third_shop_id: SHOP_1,
      code_list: a.built.codes,
    });
    expect(used.status, used.text).toBe(200);
    const human = await fulfill(["token"], env);
    expect(human.stdout.trim()).toMatch(/^mat\.\S+$/);
    const bad = await fulfill(["--json", "token"], { ...env, FULFILL_CLIENT_SECRET: "wrong" });
    expect(bad.code).toBe(3);
    expect(JSON.parse(bad.stdout).error.code).toBe("invalid_client");
  });

  it("qr --png writes the PNG and prints the text only; without --png it draws in the terminal", async () => {
    const png = join(dir, "qr.png");
    const withPng = await fulfill(["qr", a.built.shopOrderId, "--png", png], env);
    expect(withPng.code, withPng.stderr).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe("PNG");
    // The terminal drawing is made of block characters (█ ▀ ▄).
    expect(withPng.stdout).not.toMatch(/[█▀▄]/);
    expect(withPng.stdout).toMatch(/^TT-[A-Za-z0-9_-]+$/m);
    expect(withPng.stdout).toContain(`PNG written to ${png}`);
    const drawn = await fulfill(["qr", a.built.shopOrderId], env);
    expect(drawn.stdout).toMatch(/[█▀▄]/);
  });

  it("the help names the operator token file npm start writes", async () => {
    const help = await fulfill(["--help"]);
    expect(help.stdout.replace(/\s+/g, " ")).toContain("packages/server/data/operator.token");
    expect(help.stdout).not.toMatch(/e\.g\. data\/operator\.token/);
    const device = await fulfill(["device", "pair", "--help"]);
    expect(device.code).toBe(0);
    expect(device.stdout).toContain("Usage: fulfill device pair");
  });

  it("device pair --shop S-001 prints a one-time pairing code and the POS URL; the code pairs a POS once", async () => {
    const r = await fulfill(["device", "pair", "--shop", SHOP_1], env);
    expect(r.code, r.stderr).toBe(0);
    const code = /^pairing code: ([A-Z0-9]{4}-[A-Z0-9]{4})$/m.exec(r.stdout)?.[1];
    expect(code, r.stdout).toBeDefined();
    expect(r.stdout).toMatch(new RegExp(`^POS: +${t.url}/pos/$`, "m"));
    const paired = await t.postJson("/pos/api/pair", { code });
    expect(paired.status, paired.text).toBe(200);
    expect(paired.json.data.third_shop_id).toBe(SHOP_1);
    expect((await t.postJson("/pos/api/pair", { code })).status).not.toBe(200);

    const json = await fulfill(["--json", "device", "pair", "--shop", SHOP_1, "--name", "Counter 2"], env);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      pairing_code: expect.stringMatching(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/),
      pos_url: `${t.url}/pos/`,
      device_id: expect.stringMatching(/^\d+$/),
    });
    const noShop = await fulfill(["device", "pair"], env);
    expect(noShop.code).toBe(2);
    const noOperator = await fulfill(["device", "pair", "--shop", SHOP_1], {
      ...env,
      FULFILL_OPERATOR_TOKEN: "",
    });
    expect(noOperator.code).toBe(2);
  });
});
