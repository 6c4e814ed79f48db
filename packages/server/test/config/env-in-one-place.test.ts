/**
 * Configuration is read from the environment in config.ts (main.ts hands it the process's
 * environment): a setting read anywhere else would escape the README's list and the tests' config.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { configFromEnv } from "../../src/config.js";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));
const README = fileURLToPath(new URL("../../../../README.md", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("configuration", () => {
  it("reads process.env only in config.ts and main.ts (which passes it on)", () => {
    const readers = sources(SRC)
      .filter((path) => readFileSync(path, "utf8").includes("process.env"))
      .map((path) => relative(SRC, path));
    expect(readers.sort()).toEqual(["config.ts", "main.ts"]);
  });

  it("every variable config.ts reads is named in the README", () => {
    const text = readFileSync(join(SRC, "config.ts"), "utf8");
    const names = new Set([...text.matchAll(/env(?:\.|, ")([A-Z][A-Z0-9_]+)/g)].map((m) => m[1] as string));
    const readme = readFileSync(README, "utf8");
    expect([...names].filter((n) => !readme.includes(n))).toEqual([]);
    expect(names.size).toBeGreaterThan(25);
  });

  it("gives every setting its default from an empty environment", () => {
    const c = configFromEnv({});
    expect(c.cacheMs).toBe(1000);
    expect(c.logLevel).toBe("info");
    expect(c.secretKey).toBeUndefined();
    expect(c.posDir).toBeUndefined();
    expect(configFromEnv({ FULFILL_CACHE_MS: "0", LOG_LEVEL: "warn" })).toMatchObject({
      cacheMs: 0,
      logLevel: "warn",
    });
  });
});
