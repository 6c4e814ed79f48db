/**
 * The dependency rule (README, ARCHITECTURE.md), enforced: dependency-cruiser runs the rules of
 * `.dependency-cruiser.cjs` over the real tree (no violation allowed) and over a checked-in
 * fixture with one bad import per rule (each one must be reported, by rule name).
 */
import { spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const FIXTURE = "packages/server/test/architecture/fixture";
const BIN = resolve(ROOT, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");

interface Violation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
}

function cruise(paths: string[]): Violation[] {
  const run = spawnSync(
    process.execPath,
    [BIN, "--config", ".dependency-cruiser.cjs", "--output-type", "json", ...paths],
    { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (!run.stdout) throw new Error(`depcruise produced no output: ${run.stderr}`);
  const result = JSON.parse(run.stdout) as {
    summary: { violations: { rule: { name: string }; from: string; to: string }[] };
  };
  return result.summary.violations
    .map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }))
    .sort((a, b) => `${a.rule}${a.from}${a.to}`.localeCompare(`${b.rule}${b.from}${b.to}`));
}

describe("the dependency rule", () => {
  it("holds in packages/*/src", () => {
    expect(
      cruise([
        "packages/server/src",
        "packages/pos/src",
        "packages/console/src",
        "packages/sdk/src",
        "packages/cli/src",
      ]),
    ).toEqual([]);
  });

  it("reports each bad import of the fixture by its rule", () => {
    const f = `${FIXTURE}/packages/server/src`;
    const found = cruise([FIXTURE]).map((v) => ({
      ...v,
      // The SDK resolves to its build (dist) or, before the build, stays the bare specifier.
      to: v.to.replace(/^packages\/sdk\/.*|^@fulfill\/sdk$/, "@fulfill/sdk"),
    }));
    expect(found).toEqual([
      {
        rule: "clients-use-only-the-sdk-wire",
        from: `${FIXTURE}/packages/console/src/app.ts`,
        to: "@fulfill/sdk",
      },
      {
        rule: "clients-use-only-the-sdk-wire",
        from: `${FIXTURE}/packages/pos/src/app.ts`,
        to: "@fulfill/sdk",
      },
      { rule: "core-imports-only-domain", from: `${f}/core/use-case.ts`, to: `${f}/gateway/rule.ts` },
      {
        rule: "database-drivers-only-in-store",
        from: `${f}/http/raw-sql.ts`,
        to: "node_modules/kysely/dist/esm/index.js",
      },
      { rule: "domain-is-pure", from: `${f}/domain/rule.ts`, to: `${f}/core/use-case.ts` },
      { rule: "gateway-never-store", from: `${f}/gateway/rule.ts`, to: `${f}/store/adapter.ts` },
      { rule: "only-the-root-imports-store", from: `${f}/gateway/rule.ts`, to: `${f}/store/adapter.ts` },
      { rule: "only-the-root-imports-store", from: `${f}/http/route.ts`, to: `${f}/store/adapter.ts` },
    ]);
  });
});
