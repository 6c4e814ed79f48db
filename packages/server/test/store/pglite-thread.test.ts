/**
 * The embedded database runs in a worker thread (store/pglite-thread.ts, issue 18): its SQL
 * leaves the HTTP thread free, its errors arrive as the driver threw them, and its
 * transactions stay serial and reopen from the same folder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { type Database, isDatabaseUnavailable, openDatabase } from "../../src/store/database.js";

describe("PGlite in its worker thread", () => {
  const dirs: string[] = [];
  const opened: Database[] = [];
  const open = async (dataDir?: string) => {
    const database = await openDatabase(dataDir ? { dataDir } : { memory: true });
    opened.push(database);
    return database;
  };
  afterAll(async () => {
    for (const d of opened) await d.close().catch(() => undefined);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("runs a statement while this thread keeps running its timers", async () => {
    const { db } = await open();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    // pg_sleep blocks the thread that runs PGlite: this one only if the SQL ran here.
    await sql`SELECT pg_sleep(0.4)`.execute(db);
    clearInterval(timer);
    expect(ticks).toBeGreaterThanOrEqual(15);
  });

  it("answers a refused statement with the driver's SQLSTATE, message and detail", async () => {
    const { db } = await open();
    await sql`CREATE TABLE t (id int PRIMARY KEY)`.execute(db);
    await sql`INSERT INTO t VALUES (1)`.execute(db);
    const err = await sql`INSERT INTO t VALUES (1)`.execute(db).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      code: "23505",
      message: expect.stringContaining("duplicate key"),
      detail: "Key (id)=(1) already exists.",
      constraint: "t_pkey",
    });
    // int8 comes back as a decimal string, never a lossy number.
    const big = await sql<{ n: string }>`SELECT 9223372036854775807::int8 AS n`.execute(db);
    expect(big.rows[0]?.n).toBe("9223372036854775807");
  });

  it("keeps a transaction's statements together: another caller waits for its end", async () => {
    const { db } = await open();
    await sql`CREATE TABLE seen (id int)`.execute(db);
    let released!: () => void;
    const hold = new Promise<void>((r) => {
      released = r;
    });
    const first = db.transaction().execute(async (trx) => {
      await sql`INSERT INTO seen VALUES (1)`.execute(trx);
      await hold;
      return (await sql<{ n: number }>`SELECT count(*)::int AS n FROM seen`.execute(trx)).rows[0]?.n;
    });
    const second = sql`INSERT INTO seen VALUES (2)`.execute(db);
    await new Promise((r) => setTimeout(r, 50));
    released();
    expect(await first).toBe(1);
    await second;
    const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM seen`.execute(db);
    expect(after.rows[0]?.n).toBe(2);
  });

  it("rolls a failed transaction back, and the session goes on", async () => {
    const { db } = await open();
    await sql`CREATE TABLE r (id int PRIMARY KEY)`.execute(db);
    const failed = await db
      .transaction()
      .execute(async (trx) => {
        await sql`INSERT INTO r VALUES (1)`.execute(trx);
        await sql`INSERT INTO r VALUES (1)`.execute(trx);
      })
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: "23505" });
    const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM r`.execute(db);
    expect(rows.rows[0]?.n).toBe(0);
  });

  it("runs a transaction's statements in one transaction; one that ran none ends cleanly", async () => {
    const { db } = await open();
    await db.transaction().execute(async () => undefined);
    const inside = await db.transaction().execute(async (trx) => {
      const level = await sql<{ now: string }>`SELECT now()::text AS now`.execute(trx);
      const again = await sql<{ now: string }>`SELECT now()::text AS now`.execute(trx);
      // One transaction: now() is its start time, the same for both statements.
      return [level.rows[0]?.now, again.rows[0]?.now];
    });
    expect(inside[0]).toBe(inside[1]);
    // Outside, each statement is its own transaction: no BEGIN was left open by the empty one.
    const first = await sql<{ now: string }>`SELECT now()::text AS now`.execute(db);
    await sql`SELECT pg_sleep(0.01)`.execute(db);
    const second = await sql<{ now: string }>`SELECT now()::text AS now`.execute(db);
    expect(second.rows[0]?.now).not.toBe(first.rows[0]?.now);
  });

  it("closes only after the transaction in progress has ended, and then answers as unavailable", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pglite-thread-"));
    dirs.push(dir);
    const database = await open(dir);
    await sql`CREATE TABLE done (step int)`.execute(database.db);
    let began!: () => void;
    const inside = new Promise<void>((r) => {
      began = r;
    });
    const work = database.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO done VALUES (1)`.execute(trx);
      began();
      await new Promise((r) => setTimeout(r, 100));
      await sql`INSERT INTO done VALUES (2)`.execute(trx);
    });
    await inside;
    // Two closes at once, in the middle of the transaction: both wait for the same end.
    await Promise.all([database.close(), database.close()]);
    await work;
    const gone = await database
      .close()
      .then(() => sql`SELECT 1`.execute(database.db).catch((e: unknown) => e));
    expect(gone).toBeInstanceOf(Error);
    const thread = await import("../../src/store/pglite-thread.js");
    const session = await thread.startPGliteThread(undefined);
    await session.close();
    const unavailable = await session.query("SELECT 1", []).catch((e: unknown) => e);
    expect(isDatabaseUnavailable(unavailable)).toBe(true);
    const again = await open(dir);
    const rows = await sql<{ step: number }>`SELECT step FROM done ORDER BY step`.execute(again.db);
    expect(rows.rows).toEqual([{ step: 1 }, { step: 2 }]);
  });

  it("keeps what was written in the folder, and refuses statements once closed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pglite-thread-"));
    dirs.push(dir);
    const first = await open(dir);
    await sql`CREATE TABLE kept (v text)`.execute(first.db);
    await sql`INSERT INTO kept VALUES ('written')`.execute(first.db);
    await first.close();
    const refused = await sql`SELECT 1`.execute(first.db).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    const again = await open(dir);
    const rows = await sql<{ v: string }>`SELECT v FROM kept`.execute(again.db);
    expect(rows.rows).toEqual([{ v: "written" }]);
  });
});
