/**
 * Keys across processes (issue 15, item 4): the database records the fingerprints of
 * FULFILL_SECRET_KEY and FULFILL_QR_KEY; a process with another key is refused (exit 2, the
 * variable named, no key printed); a rotation (new key, old one as _PREVIOUS) starts, old
 * secrets authenticate and old QRs open, `keys-main rotate` re-seals and records, after which
 * the new key alone starts. On the embedded database (a data folder) and on PostgreSQL.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config.js";
import { keyFingerprint } from "../../src/security/key-fingerprint.js";
import { openSystem, type System, type SystemOptions } from "../../src/system.js";
import { load } from "../support/core-harness.js";
import { createScratchDatabase } from "../support/databases.js";
import { startTestServer } from "../support/server.js";
import { baseWorld } from "../support/world.js";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));
const key = () => randomBytes(32).toString("base64");
const dirs: string[] = [];
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const drop of drops) await drop();
});

/** Runs a server entry (main.ts or keys-main.ts) through tsx; its exit code and output. */
function run(
  entry: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(PORT|HOST|DATABASE_|FULFILL_|NATS_|REDIS_|LOG_LEVEL)/.test(k),
    ),
  );
  const child = spawn(process.execPath, ["--import", "tsx", join(SRC, entry), ...args], {
    env: { ...clean, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c) => {
    output += String(c);
  });
  child.stderr.on("data", (c) => {
    output += String(c);
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, output });
    }),
  );
}

interface Place {
  readonly name: string;
  /** The system's database options and the environment naming the same database. */
  open(keys: Partial<SystemOptions>): Promise<System>;
  readonly env: Record<string, string>;
}

async function embedded(): Promise<Place> {
  const dataDir = mkdtempSync(join(tmpdir(), "fulfill-keys-"));
  dirs.push(dataDir);
  return { name: "pglite", open: (k) => openSystem({ dataDir, ...k }), env: { FULFILL_DATA_DIR: dataDir } };
}

async function postgres(): Promise<Place> {
  const scratch = await createScratchDatabase(process.env.DATABASE_URL as string);
  drops.push(scratch.drop);
  const dataDir = mkdtempSync(join(tmpdir(), "fulfill-keys-"));
  dirs.push(dataDir);
  return {
    name: "postgres",
    open: (k) => openSystem({ databaseUrl: scratch.url, dataDir, ...k }),
    env: { DATABASE_URL: scratch.url, FULFILL_DATA_DIR: dataDir },
  };
}

async function refusal(open: () => Promise<System>): Promise<string[]> {
  const s = await open().catch((e: unknown) => e);
  if (!(s instanceof ConfigError)) {
    if (s && typeof (s as System).close === "function") await (s as System).close();
    throw new Error(`expected a ConfigError, got ${String(s)}`);
  }
  return [...s.problems];
}

const places = [embedded, ...(process.env.DATABASE_URL ? [postgres] : [])];

for (const place of places) {
  describe(`deployment keys on ${place === embedded ? "pglite" : "postgres"}`, () => {
    it("refuses another key, rotates, then starts with the new key alone", { timeout: 180_000 }, async () => {
      const p = await place();
      const [oldSecret, newSecret, oldQr, newQr] = [key(), key(), key(), key()];
      const first = await p.open({ secretKey: oldSecret, qrKey: oldQr });
      await load(first, baseWorld());
      const t1 = await startTestServer({ name: "pglite", open: async () => first }, {}, { system: first });
      const oldQrInfo = t1.server.qr.seal({ v: 1, shop_order_id: "1", qr_id: "q", iat: 1, exp: 2 });
      await t1.close();
      await first.close();

      // Another process, another secret key: refused by the server's own start, exit 2.
      const foreign = await run("main.ts", ["--port", "0"], {
        ...p.env,
        FULFILL_SANDBOX: "1",
        FULFILL_SECRET_KEY: newSecret,
        FULFILL_QR_KEY: oldQr,
      });
      expect(foreign.output).toContain("FULFILL_SECRET_KEY: the database was written with another key");
      expect(foreign.output).not.toContain(newSecret);
      expect(foreign.output).not.toContain(oldSecret);
      expect(foreign.code).toBe(2);
      // Another QR key, named as such.
      expect((await refusal(() => p.open({ secretKey: oldSecret, qrKey: newQr }))).join("\n")).toMatch(
        /^FULFILL_QR_KEY: the database was written with another key/,
      );

      // The rotation start: new keys, the old ones as _PREVIOUS. Old secrets authenticate, old QRs open.
      const rotating = {
        secretKey: newSecret,
        secretKeyPrevious: oldSecret,
        qrKey: newQr,
        qrKeyPrevious: oldQr,
      };
      const second = await p.open(rotating);
      const t2 = await startTestServer({ name: "pglite", open: async () => second }, {}, { system: second });
      expect(await t2.token()).toMatch(/.+/);
      expect(t2.server.qr.open(oldQrInfo).ok).toBe(true);
      await t2.close();
      await second.close();

      // The command re-seals and records the new fingerprints.
      const rotated = await run("keys-main.ts", ["rotate"], {
        ...p.env,
        FULFILL_SECRET_KEY: newSecret,
        FULFILL_SECRET_KEY_PREVIOUS: oldSecret,
        FULFILL_QR_KEY: newQr,
        FULFILL_QR_KEY_PREVIOUS: oldQr,
      });
      expect(rotated.output).toMatch(/FULFILL_SECRET_KEY: \d+ client secrets? sealed under it/);
      expect(rotated.output).toContain("fingerprints recorded: FULFILL_SECRET_KEY, FULFILL_QR_KEY");
      expect(rotated.code).toBe(0);

      // The new keys alone start, secrets authenticate; the old keys alone are refused now.
      const third = await p.open({ secretKey: newSecret, qrKey: newQr });
      const recorded = await third.database.db
        .withTables<{ key_fingerprints: { name: string; fingerprint: string } }>()
        .selectFrom("key_fingerprints")
        .select(["name", "fingerprint"])
        .orderBy("name")
        .execute();
      expect(recorded).toEqual([
        {
          name: "FULFILL_QR_KEY",
          fingerprint: keyFingerprint("FULFILL_QR_KEY", Buffer.from(newQr, "base64")),
        },
        {
          name: "FULFILL_SECRET_KEY",
          fingerprint: keyFingerprint("FULFILL_SECRET_KEY", Buffer.from(newSecret, "base64")),
        },
      ]);
      const t3 = await startTestServer({ name: "pglite", open: async () => third }, {}, { system: third });
      expect(await t3.token()).toMatch(/.+/);
      expect(t3.server.qr.open(oldQrInfo).ok).toBe(false);
      await t3.close();
      await third.close();
      expect((await refusal(() => p.open({ secretKey: oldSecret, qrKey: newQr }))).join("\n")).toContain(
        "FULFILL_SECRET_KEY: the database was written with another key",
      );
    });

    it("refuses the new key alone before the rotation, and keeps generated keys working", {
      timeout: 120_000,
    }, async () => {
      const p = await place();
      // Keys generated into the data folder (nothing set): recorded, and the same folder starts again.
      const generated = await p.open({});
      await load(generated, baseWorld());
      await generated.close();
      const again = await p.open({});
      await again.close();
      // A new key without the old one as _PREVIOUS, before any rotation: refused.
      const problems = await refusal(() => p.open({ secretKey: key() }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain("FULFILL_SECRET_KEY: the database was written with another key");
    });
  });
}
