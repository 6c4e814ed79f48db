/**
 * Configuration is checked up front (issue 15, item 8): the real server process, started with a
 * bad variable, exits 2 before it opens any database, naming the variable, what it held and the
 * form it needs. (Before: `DATABASE_URL='not a url'` failed late as `getaddrinfo ENOTFOUND base`,
 * `mysql://` was accepted, a bad `FULFILL_QR_KEY` was reported after the migrations, `PORT=99999`
 * got Fastify's own message; all exit 1.)
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, configFromEnv } from "../../src/config.js";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs the server's main with `env` on a fresh data folder; its exit code and everything it printed. */
function start(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "fulfill-config-"));
  dirs.push(dataDir);
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(PORT|HOST|DATABASE_|FULFILL_|NATS_|REDIS_|LOG_LEVEL)/.test(k),
    ),
  );
  // --port would override PORT: given only when the case is not about PORT.
  const port = env.PORT === undefined ? ["--port", "0"] : [];
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...port], {
    env: { ...clean, FULFILL_DATA_DIR: dataDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c) => {
    output += String(c);
  });
  child.stderr.on("data", (c) => {
    output += String(c);
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 40_000);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, output, dataDir });
    }),
  );
}

describe("a configuration error stops the start before anything is opened", () => {
  it.each([
    [{ DATABASE_URL: "not a url" }, "DATABASE_URL='not a url'", "a PostgreSQL URL"],
    [
      { DATABASE_URL: "mysql://root@127.0.0.1:3306/shop" },
      "DATABASE_URL='mysql://***@127.0.0.1:3306/shop'",
      "postgres://",
    ],
    [{ FULFILL_QR_KEY: "too-short" }, "FULFILL_QR_KEY=(9 characters)", "base64 of 32 bytes"],
    [{ PORT: "99999" }, "PORT='99999'", "0..65535"],
    [{ FULFILL_DB_POOL: "ten" }, "FULFILL_DB_POOL='ten'", "an integer ≥ 1"],
  ])("%o: exit 2, the variable named", { timeout: 60_000 }, async (env, named, form) => {
    const r = await start({ FULFILL_SANDBOX: "1", ...env });
    expect(r.output).toContain(named);
    expect(r.output).toContain(form);
    expect(r.output).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.code).toBe(2);
    // Nothing was opened: the embedded database was never initialised (no migrations ran).
    expect(existsSync(join(r.dataDir, "pglite"))).toBe(false);
  });

  it("reports every bad variable at once", { timeout: 60_000 }, async () => {
    const r = await start({ PORT: "-1", LOG_LEVEL: "loud", REDIS_URL: "localhost:6379" });
    expect(r.code).toBe(2);
    for (const name of ["PORT='-1'", "LOG_LEVEL='loud'", "REDIS_URL='localhost:6379'"])
      expect(r.output).toContain(name);
  });

  it("refuses a short operator token outside the sandbox before opening the database", {
    timeout: 60_000,
  }, async () => {
    const r = await start({ FULFILL_OPERATOR_TOKEN: "short" });
    expect(r.code).toBe(2);
    expect(r.output).toContain("FULFILL_OPERATOR_TOKEN=(5 characters): expected at least 32 characters");
    expect(r.output).not.toContain("short\n");
    expect(existsSync(join(r.dataDir, "pglite"))).toBe(false);
  });
});

describe("configFromEnv", () => {
  it("throws a ConfigError listing each problem; never a secret's value", () => {
    const secret = "A".repeat(20);
    let error: unknown;
    try {
      configFromEnv({ FULFILL_WEBHOOK_JITTER: "2", FULFILL_SECRET_KEY: secret, FULFILL_SANDBOX: "maybe" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toContain("FULFILL_WEBHOOK_JITTER='2': expected a share, 0..1");
    expect(problems.join("\n")).toContain("FULFILL_SANDBOX='maybe'");
    expect(problems.join("\n")).not.toContain(secret);
  });

  it("accepts what the README shows", () => {
    const c = configFromEnv({
      PORT: "8080",
      DATABASE_URL: "postgresql://fulfill:p%40ss@10.0.0.5:5000/fulfill?sslmode=require",
      FULFILL_QR_KEY: Buffer.alloc(32, 7).toString("base64"),
      FULFILL_SECRET_KEY: Buffer.alloc(32, 9).toString("base64url"),
      FULFILL_TRUST_PROXY: "10.0.0.0/8, 127.0.0.1",
      FULFILL_SANDBOX: "true",
      REDIS_URL: "redis://127.0.0.1:6379/0",
      NATS_URL: "nats://127.0.0.1:4222",
      FULFILL_SHUTDOWN_GRACE_MS: "5000",
    });
    expect(c).toMatchObject({
      port: 8080,
      sandbox: true,
      trustProxy: ["10.0.0.0/8", "127.0.0.1"],
      shutdownGraceMs: 5000,
    });
  });
});
