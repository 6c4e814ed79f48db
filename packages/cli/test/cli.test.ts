/**
 * Every `fulfill` command, run as the installed binary against a real server; exit codes tell
 * usage (2), contract (3) and transport (4) errors apart; every help is complete.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../../server/test/support/databases.js";
import { OPERATOR_TOKEN, startTestServer, type TestServer } from "../../server/test/support/server.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../../server/test/support/world.js";

const BIN = fileURLToPath(new URL("../../../node_modules/.bin/fulfill", import.meta.url));
const P = "7200000000000000601";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function fulfill(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
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

// The CLI does not depend on the database under the server: it runs in the embedded pass only
// (the PostgreSQL pass of CI runs the same suite with DATABASE_URL set and would repeat it).
describe.skipIf(process.env.DATABASE_URL)("the fulfill command", () => {
  let t: TestServer;
  let env: Record<string, string>;
  const world = baseWorld();
  world.products = [product(P)];
  const a = order({ productId: P, items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }] });
  const b = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
  world.orders = [a.order];
  const dir = mkdtempSync(join(tmpdir(), "fulfill-cli-"));

  beforeAll(async () => {
    const [database] = testDatabases();
    if (!database) throw new Error("no database");
    t = await startTestServer(database);
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

  it("load: a world file through the sandbox", async () => {
    const file = join(dir, "world.json");
    writeFileSync(file, JSON.stringify({ orders: [b.order] }));
    const r = await fulfill(["load", file], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("1 orders");
    const missing = await fulfill(["load", join(dir, "nope.json")], env);
    expect(missing.code).toBe(2);
  });

  it("token: prints an access token; a wrong secret is a contract error", async () => {
    const r = await fulfill(["token"], env);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^mat\./);
    const bad = await fulfill(["token"], { ...env, FULFILL_CLIENT_SECRET: "wrong" });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("invalid_client");
  });

  it("lookup by code and by QR, human and JSON", async () => {
    const human = await fulfill(
      [
        "lookup",
        "--shop",
        SHOP_1,
        "--code",
        a.built.codes[0] as string,
        "--code",
        a.built.codes[1] as string,
      ],
      env,
    );
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(a.built.shopOrderId);
    expect(human.stdout).toContain("WAIT_FULFILL");
    expect(human.stdout).toContain(`shop order ${a.built.shopOrderId}: 2 codes`);
    const qr = await t.qr(a.built.shopOrderId);
    const viaQr = await fulfill(["--json", "lookup", "--shop", SHOP_1, "--qr", qr], env);
    expect(viaQr.code).toBe(0);
    expect(JSON.parse(viaQr.stdout).code_list).toHaveLength(2);
    const unknown = await fulfill(["lookup", "--shop", SHOP_1, "--code", "000000000000"], env);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain("FulfillCertificateNotFound");
    expect(unknown.stderr).toMatch(/log_id \d{14}/);
    const usage = await fulfill(["lookup", "--shop", SHOP_1], env);
    expect(usage.code).toBe(2);
  });

  it("redeem, records, logs and cancel", async () => {
    const redeemArgs = ["redeem", "--shop", SHOP_1, "--order", a.built.shopOrderId, "--code"];
    const key = `cli-test-${Date.now()}`;
    const r = await fulfill(
      ["--json", ...redeemArgs, a.built.codes[0] as string, "--idempotency-key", key],
      env,
    );
    expect(r.code).toBe(0);
    const redeemed = JSON.parse(r.stdout);
    const redeemId = redeemed.redeem_id as string;
    expect(redeemId).toMatch(/^\d+$/);
    expect(redeemed).toMatchObject({ reconciled: false, idempotency_key: key, attempts: 1 });

    // Redeemed again with a new key: FulfillVoucherAlreadyUsed is a recheck row; the SDK's lookup
    // finds the code FINISH at this shop through the SaaS and reconciles to the original redemption.
    const again = await fulfill([...redeemArgs, a.built.codes[0] as string], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`redeemed 1 code: redeem_id ${redeemId}`);
    expect(again.stdout).toContain("reconciled");

    // A row of handling `none` is an error at once: exit 3 with row, code, message and log id.
    const bad = await fulfill(["--json", ...redeemArgs, "123"], env);
    expect(bad.code).toBe(3);
    const failure = JSON.parse(bad.stdout);
    expect(failure.error).toMatchObject({ class: "FinalError", handling: "none" });
    expect(failure.error.row).toMatch(/^R\d+$/);
    expect(failure.error.log_id).toMatch(/^\d{14}/);

    const records = await fulfill(["records", "--since", String(NOW - 10), "--until", String(NOW + 10)], env);
    expect(records.code).toBe(0);
    expect(records.stdout).toContain(redeemId);
    expect(records.stdout).toContain("can cancel");

    await new Promise((res) => setTimeout(res, 300)); // the request log is written in batches
    const logs = await fulfill(["logs", failure.error.log_id], env);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain(failure.error.message);
    expect(logs.stdout).toContain("redeem_code");

    const cancelled = await fulfill(["cancel", "--shop", SHOP_1, "--redeem-id", redeemId], env);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain(`cancelled redemption ${redeemId}`);
    const twice = await fulfill(["cancel", "--shop", SHOP_1, "--redeem-id", redeemId], env);
    expect(twice.code).toBe(3);
    expect(twice.stderr).toContain("FulfillRedeemAlreadyCancelled");
  });

  it("the SDK's policy: a lookup retries a retryable row; --max-attempts bounds it", async () => {
    const lookup = ["lookup", "--shop", SHOP_1, "--code", a.built.codes[1] as string];
    // One attempt only: the armed fault is the answer (G13 -9990202 FulfillGetCertificateFailed, handling retry).
    expect((await t.fault("query.certificate", 1, null)).status).toBe(200);
    const once = await fulfill(["--max-attempts", "1", ...lookup], env);
    expect(once.code).toBe(3);
    expect(once.stderr).toMatch(/error: G13 -9990202 FulfillGetCertificateFailed \(HTTP \d+\) log_id \d{14}/);
    // The default attempts: two failing voucher reads are retried, the third attempt succeeds.
    expect((await t.fault("query.certificate", 2, null)).status).toBe(200);
    const retried = await fulfill(["--json", ...lookup], env);
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.stdout).code_list).toHaveLength(1);
    // Both faults were spent by the CLI's attempts: nothing is left armed.
    expect((await fulfill(["--max-attempts", "1", ...lookup], env)).code).toBe(0);
    expect((await fulfill(["--max-attempts", "0", ...lookup], env)).code).toBe(2);
  });

  it("qr: draws in the terminal and writes a PNG", async () => {
    const png = join(dir, "qr.png");
    const r = await fulfill(["qr", a.built.shopOrderId, "--png", png], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/TT-[A-Za-z0-9_-]+/);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe("PNG");
    const noOperator = await fulfill(["qr", a.built.shopOrderId], { ...env, FULFILL_OPERATOR_TOKEN: "" });
    expect(noOperator.code).toBe(2);
  });

  it("transport errors exit 4; unknown commands and options exit 2", async () => {
    const r = await fulfill(["token"], { ...env, FULFILL_URL: "http://127.0.0.1:9" });
    expect(r.code).toBe(4);
    expect((await fulfill(["nonsense"], env)).code).toBe(2);
    expect((await fulfill(["redeem", "--bogus"], env)).code).toBe(2);
  });

  it("help: the program and every subcommand describe all their options", async () => {
    const top = await fulfill(["--help"]);
    expect(top.code).toBe(0);
    for (const command of ["serve", "load", "token", "lookup", "redeem", "cancel", "records", "qr", "logs"]) {
      expect(top.stdout).toContain(command);
      const help = await fulfill([command, "--help"]);
      expect(help.code, command).toBe(0);
      expect(help.stdout).toContain(`Usage: fulfill ${command}`);
      // every option line has a description
      for (const line of help.stdout.split("\n").filter((l) => /^\s+--?\w/.test(l))) {
        expect(line.trim().split(/\s{2,}/).length, `${command}: ${line}`).toBeGreaterThan(1);
      }
    }
  });

  it("serve: runs the service with the demo world", { timeout: 90_000 }, async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(
      BIN,
      ["serve", "--sandbox", "--demo", "--port", String(port), "--data-dir", join(dir, "data")],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      let up = false;
      for (let i = 0; i < 120 && !up; i++) {
        await new Promise((res) => setTimeout(res, 500));
        up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (res) => res.status === 200,
          () => false,
        );
      }
      expect(up).toBe(true);
      const r = await fulfill(["lookup", "--shop", "S-001", "--code", "123456789012"], {
        ...env,
        FULFILL_URL: `http://127.0.0.1:${port}`,
      });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Coffee set for two");
    } finally {
      child.kill("SIGTERM");
      await new Promise((res) => child.once("exit", res));
    }
  });
});
