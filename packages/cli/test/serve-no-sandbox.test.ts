/**
 * No sandbox outside the sandbox (issue 13, item 11): `fulfill serve` without `--sandbox`, run as
 * the installed binary on a free port and a fresh data folder, answers 404 on every `/sandbox/*`
 * route and knows no demo credentials; `--demo` without `--sandbox` refuses to start.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createScratchDatabase } from "../../server/test/support/databases.js";

const BIN = fileURLToPath(new URL("../../../node_modules/.bin/fulfill", import.meta.url));
const MERCHANT = "7000000000000000001";

interface Started {
  child: ChildProcess;
  url: string | null;
  exitCode: number | null;
  output: string;
}

/** Starts `fulfill serve` on port 0; resolves once it printed its URL or exited. */
function serve(args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(BIN, ["serve", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FULFILL_SANDBOX: "", FULFILL_OPERATOR_TOKEN: "", ...env },
  });
  return new Promise((resolve) => {
    let output = "";
    const done = (started: Omit<Started, "child" | "output">) => resolve({ child, output, ...started });
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) done({ url: m[1] as string, exitCode: null });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => done({ url: null, exitCode: code }));
  });
}

async function stop(s: Started): Promise<void> {
  if (s.child.exitCode !== null) return;
  s.child.kill("SIGTERM");
  await new Promise((res) => s.child.once("exit", res));
}

describe("a server started without --sandbox", () => {
  const dir = mkdtempSync(join(tmpdir(), "fulfill-nosandbox-"));
  const scratches: { drop(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const s of scratches) await s.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function databaseArgs(name: string): Promise<string[]> {
    const args = ["--data-dir", join(dir, name)];
    if (process.env.DATABASE_URL) {
      const scratch = await createScratchDatabase(process.env.DATABASE_URL);
      scratches.push(scratch);
      args.push("--database-url", scratch.url);
    }
    return args;
  }

  it("answers 404 on /sandbox/* and invalid_client to the demo credentials", {
    timeout: 90_000,
  }, async () => {
    const s = await serve(await databaseArgs("plain"));
    try {
      expect(s.url, s.output).not.toBeNull();
      const url = s.url as string;
      for (const [method, path] of [
        ["POST", "/sandbox/world"],
        ["POST", "/sandbox/faults"],
        ["DELETE", "/sandbox/faults"],
        ["GET", "/sandbox/faults"],
        ["POST", "/sandbox/clock"],
        ["POST", "/sandbox/qr"],
      ] as const) {
        const res = await fetch(url + path, {
          method,
          ...(method === "POST" ? { headers: { "content-type": "application/json" }, body: "{}" } : {}),
        });
        expect(res.status, `${method} ${path}`).toBe(404);
      }
      const token = await fetch(`${url}/merchant/oauth/token/`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          client_key: "ck_demo",
          client_secret: "cs_demo",
          merchant_id: MERCHANT,
          grant_type: "access_token",
        }).toString(),
      });
      expect(token.status).toBe(401);
      expect(((await token.json()) as { error: string }).error).toBe("invalid_client");
    } finally {
      await stop(s);
    }
  });

  it("refuses --demo: the demo world is loaded only in the sandbox", { timeout: 90_000 }, async () => {
    const s = await serve(["--demo", ...(await databaseArgs("demo"))]);
    try {
      expect(s.url, `it started and serves the demo world: ${s.output}`).toBeNull();
      expect(s.exitCode).toBe(2); // a configuration error (issue 15, item 8)
      expect(s.output).toContain("--demo needs --sandbox");
    } finally {
      await stop(s);
    }
  });
});
