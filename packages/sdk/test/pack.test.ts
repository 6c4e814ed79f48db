/**
 * `@fulfill/sdk` is publishable: `npm pack` makes a tarball (not private, versioned, licensed,
 * its dist, README and LICENSE inside), and that tarball, installed in a scratch folder outside
 * the repository, runs the README's quick start against a real server on loopback.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoWorld } from "../../server/src/demo-world.js";
import { testDatabases } from "../../server/test/support/databases.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";

const here = dirname(fileURLToPath(import.meta.url));
const sdkDir = resolve(here, "..");
const readme = resolve(sdkDir, "../../README.md");
const run = promisify(execFile);

/** The README's quick start (its one js block that imports the SDK), pointed at this server. */
function quickStart(url: string): string {
  const blocks = [...readFileSync(readme, "utf8").matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  const block = blocks.find((b) => b.includes('from "@fulfill/sdk"'));
  if (!block) throw new Error("README.md has no quick start importing @fulfill/sdk");
  return block.replace("http://127.0.0.1:8080", url);
}

describe("the packed SDK", () => {
  let t: TestServer;
  let scratch: string;
  beforeAll(async () => {
    t = await startTestServer(testDatabases()[0] as ReturnType<typeof testDatabases>[number]);
    expect((await t.world(demoWorld(Math.floor(Date.now() / 1000)))).status).toBe(200);
    scratch = mkdtempSync(join(tmpdir(), "fulfill-sdk-pack-"));
  });
  afterAll(async () => {
    await t?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("npm pack, npm install of the tarball in a scratch folder, the README's quick start runs", async () => {
    const manifest = JSON.parse(readFileSync(join(sdkDir, "package.json"), "utf8"));
    expect(manifest.private).toBeUndefined();
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.license).toBe("Apache-2.0");

    const packed = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch], {
      cwd: sdkDir,
    });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    if (!info) throw new Error("npm pack said nothing");
    const files = info.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE", "dist/index.js"]));
    expect(files.filter((f) => f.startsWith("src/") || f.startsWith("test/"))).toEqual([]);

    const app = join(scratch, "app");
    await run("mkdir", ["-p", app]);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "scratch", private: true, type: "module" }),
    );
    // No registry needed: the SDK has no runtime dependencies.
    await run(
      "npm",
      ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", join(scratch, info.filename)],
      { cwd: app },
    );
    writeFileSync(join(app, "quickstart.mjs"), quickStart(t.url));
    const first = await run(process.execPath, ["quickstart.mjs"], { cwd: app });
    expect(first.stdout).toMatch(/123456789012 .* status 100/);
    expect(first.stdout).toMatch(/redeemed: redeem_id \d+\n/);
    // A second run finds the code used: the SDK reconciles (README: "A second run ...").
    const second = await run(process.execPath, ["quickstart.mjs"], { cwd: app });
    expect(second.stdout).toMatch(/\(already redeemed here: reconciled\)/);
  }, 120_000);
});
