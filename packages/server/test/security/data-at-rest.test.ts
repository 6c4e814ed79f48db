/**
 * Data at rest (issue 13, item 8): a server started on a data folder left world-readable (folder
 * 0777, files 0666, as a umask of 0 makes them) brings the folder and everything in it to 0700 /
 * 0600, logs the paths it fixed, and whatever it (and the embedded database) writes while running
 * is its user's only. A mode it cannot set stops the start.
 */
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFromEnv } from "../../src/config.js";
import { startServer } from "../../src/server.js";
import { loadKey, loadToken } from "../../src/store/keys.js";
import { openSystem } from "../../src/system.js";
import { createScratchDatabase } from "../support/databases.js";
import { logLines } from "../support/log-lines.js";
import { baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../support/world.js";

const P = "7200000000000000801";

/** Every path under `dir` (itself included) with its permission bits. */
function modes(dir: string): Map<string, { mode: number; dir: boolean }> {
  const found = new Map<string, { mode: number; dir: boolean }>();
  const visit = (path: string) => {
    const stat = lstatSync(path);
    found.set(path, { mode: stat.mode & 0o777, dir: stat.isDirectory() });
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
  return found;
}

const databases: { name: string; url: () => Promise<string | undefined> }[] = [
  { name: "pglite", url: async () => undefined },
];
const scratches: { drop(): Promise<void> }[] = [];
if (process.env.DATABASE_URL) {
  const base = process.env.DATABASE_URL;
  databases.push({
    name: "postgres",
    url: async () => {
      const scratch = await createScratchDatabase(base);
      scratches.push(scratch);
      return scratch.url;
    },
  });
}

afterAll(async () => {
  for (const s of scratches) await s.drop();
});

for (const database of databases) {
  describe(`the data folder on ${database.name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "fulfill-at-rest-"));
    let databaseUrl: string | undefined;
    const previousUmask = process.umask();
    const loosen = () => {
      for (const [path, entry] of modes(dir)) chmodSync(path, entry.dir ? 0o777 : 0o666);
    };

    beforeAll(async () => {
      databaseUrl = await database.url();
      // What a careless deployment leaves: a umask of 0, everything readable and writable by all.
      process.umask(0);
      const system = await openSystem({ dataDir: dir, databaseUrl });
      await system.close();
      loadKey(undefined, dir, "qr.key");
      loadToken(undefined, dir, "operator.token");
      loosen();
    });
    afterAll(() => {
      process.umask(previousUmask);
      rmSync(dir, { recursive: true, force: true });
    });

    const config = () => ({
      ...configFromEnv({}),
      port: 0,
      sandbox: true,
      dataDir: dir,
      databaseUrl,
      operatorToken: undefined,
      rateLimitPerSecond: 1_000_000,
    });

    it("a mode it cannot set stops the start, naming the path", async () => {
      const secretKey = join(dir, "secret.key");
      // chmod itself fails for that file, as it does for a file of another owner.
      const chmod = (path: string, mode: number) => {
        if (path === secretKey)
          throw Object.assign(new Error(`EPERM: operation not permitted, chmod '${path}'`), {
            code: "EPERM",
          });
        chmodSync(path, mode);
      };
      const outcome = await startServer(config(), { chmod, logLevel: "silent" }).then(
        async (s) => {
          await s.close();
          return "started";
        },
        (err: Error) => err.message,
      );
      expect(outcome).toContain(secretKey);
      expect(outcome).toContain("EPERM");
      expect(lstatSync(secretKey).mode & 0o777).toBe(0o666);
    });

    it("a database created at start (a fresh folder) is restricted too", async () => {
      const fresh = mkdtempSync(join(tmpdir(), "fulfill-fresh-"));
      const umask = process.umask(0);
      try {
        chmodSync(fresh, 0o777);
        // A fresh folder generates fresh keys: a new deployment, so a database of its own.
        const server = await startServer(
          { ...config(), dataDir: fresh, databaseUrl: await database.url() },
          { logLevel: "silent" },
        );
        await server.close();
        const readable = [...modes(fresh)].filter(([, e]) => e.mode & 0o077);
        expect(readable.map(([p, e]) => `${p} ${e.mode.toString(8)}`).slice(0, 5)).toEqual([]);
      } finally {
        process.umask(umask);
        rmSync(fresh, { recursive: true, force: true });
      }
    });

    it("a data folder that is a symbolic link (a mounted volume) is followed and restricted", async () => {
      const target = mkdtempSync(join(tmpdir(), "fulfill-linked-"));
      const link = `${target}.link`;
      const umask = process.umask(0);
      try {
        chmodSync(target, 0o777);
        symlinkSync(target, link);
        const server = await startServer(
          { ...config(), dataDir: link, databaseUrl: await database.url() },
          { logLevel: "silent" },
        );
        await server.close();
        expect(statSync(link).mode & 0o777).toBe(0o700);
        const readable = [...modes(target)].filter(([, e]) => e.mode & 0o077);
        expect(readable.map(([p, e]) => `${p} ${e.mode.toString(8)}`).slice(0, 5)).toEqual([]);
      } finally {
        process.umask(umask);
        rmSync(link, { force: true });
        rmSync(target, { recursive: true, force: true });
      }
    });

    it("restricts the folder and every file at start, logs them, and keeps new files private", async () => {
      loosen(); // whatever an earlier start fixed: careless again
      const before = modes(dir);
      const loose = [...before].filter(([, e]) => e.mode & 0o077);
      expect(loose.length).toBe(before.size);
      expect([...before.keys()]).toEqual(
        expect.arrayContaining([
          dir,
          join(dir, "secret.key"),
          join(dir, "qr.key"),
          join(dir, "operator.token"),
        ]),
      );

      const { lines, stream: logStream } = logLines();
      const server = await startServer(config(), { logStream, logLevel: "info" });
      try {
        const started = modes(dir);
        const wrong = [...started].filter(([, e]) => e.mode !== (e.dir ? 0o700 : 0o600));
        expect(wrong.map(([p, e]) => `${p} ${e.mode.toString(8)}`)).toEqual([]);
        const logged = lines.map((l) => JSON.parse(l)).find((l) => Array.isArray(l.paths));
        expect(logged?.msg).toContain("data folder");
        expect([...logged.paths].sort()).toEqual([...before.keys()].sort());

        // Writes while running: a world, tokens, lookups, a redemption.
        const o = order({ productId: P, items: [{ status: "WAIT_FULFILL" }] });
        const world = { ...baseWorld(), products: [product(P)], orders: [o.order] };
        const auth = { authorization: `Bearer ${server.operatorToken}`, "content-type": "application/json" };
        const load = await fetch(`${server.url}/sandbox/world`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify(world),
        });
        expect(load.status).toBe(200);
        await fetch(`${server.url}/sandbox/clock`, { method: "POST", headers: auth, body: `{"now":${NOW}}` });
        const token = await fetch(`${server.url}/merchant/oauth/token/`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: `client_key=ck_demo&client_secret=cs_demo&merchant_id=${MERCHANT}&grant_type=access_token`,
        }).then((r) => r.json() as Promise<{ access_token: string }>);
        const redeem = await fetch(`${server.url}/v2/localservice/saas/fulfill/redeem_code/`, {
          method: "POST",
          headers: { authorization: `Bearer ${token.access_token}`, "content-type": "application/json" },
          body: JSON.stringify({
            merchant_id: MERCHANT,
            third_shop_id: SHOP_1,
            shop_order_id: o.built.shopOrderId,
            code_list: o.built.codes,
            locale: "en-US",
          }),
        });
        expect(redeem.status).toBe(200);
        if (database.name === "pglite") {
          // Files the embedded database creates while running: a relation's files, WAL segments.
          const db = server.system.database.db;
          await sql`CREATE TABLE at_rest_probe (x int)`.execute(db);
          await sql`INSERT INTO at_rest_probe SELECT generate_series(1, 100000)`.execute(db);
          await sql`SELECT pg_switch_wal()`.execute(db);
          await sql`CHECKPOINT`.execute(db);
        }
      } finally {
        await server.close();
      }
      const after = modes(dir);
      const created = [...after.keys()].filter((p) => !before.has(p));
      if (database.name === "pglite") expect(created.length).toBeGreaterThan(0);
      const readable = [...after].filter(([, e]) => e.mode & 0o077);
      expect(readable.map(([p, e]) => `${p} ${e.mode.toString(8)}`)).toEqual([]);
    });
  });
}
