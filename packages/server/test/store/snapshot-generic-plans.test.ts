/**
 * The redeem's transaction (repeatable read, store/database.ts SNAPSHOT_BEGIN) runs on generic
 * plans, set for that transaction only: the BEGIN carries `SET LOCAL plan_cache_mode`, so every
 * other transaction and every later use of the connection keeps PostgreSQL's default (issue 18:
 * planning the redeem's two statements anew on every call was 60 % of its statement time).
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { System } from "../../src/system.js";
import { testDatabases } from "../support/databases.js";

for (const database of testDatabases()) {
  // PGlite runs one connection of its own dialect, which sends the BEGIN as Kysely writes it.
  const generic = database.name === "postgres" ? "force_generic_plan" : "auto";
  describe(`the redeem's transaction on ${database.name}`, () => {
    let system: System;

    beforeAll(async () => {
      system = await database.open({ poolSize: 1 });
    });
    afterAll(async () => system?.close());

    const mode = async (runner: Parameters<ReturnType<typeof sql>["execute"]>[0]) =>
      (await sql<{ plan_cache_mode: string }>`SHOW plan_cache_mode`.execute(runner)).rows[0]?.plan_cache_mode;
    const isolation = async (runner: Parameters<ReturnType<typeof sql>["execute"]>[0]) =>
      (await sql<{ transaction_isolation: string }>`SHOW transaction_isolation`.execute(runner)).rows[0]
        ?.transaction_isolation;

    it("plans generically inside (PostgreSQL), and nowhere else on the same connection", async () => {
      const db = system.database.db;
      const inside = await db
        .transaction()
        .setIsolationLevel("repeatable read")
        .execute(async (trx) => ({ mode: await mode(trx), isolation: await isolation(trx) }));
      // (PGlite's dialect runs every transaction serially, whatever isolation it is given.)
      expect(inside).toEqual({
        mode: generic,
        isolation: database.name === "postgres" ? "repeatable read" : expect.any(String),
      });
      // One connection in the pool: these run on the connection the transaction used.
      expect(await mode(db)).toBe("auto");
      const plain = await db.transaction().execute(async (trx) => mode(trx));
      expect(plain).toBe("auto");
    });

    it("ends with a rolled-back transaction too", async () => {
      const db = system.database.db;
      await expect(
        db
          .transaction()
          .setIsolationLevel("repeatable read")
          .execute(async (trx) => {
            expect(await mode(trx)).toBe(generic);
            throw new Error("roll back");
          }),
      ).rejects.toThrow("roll back");
      expect(await mode(db)).toBe("auto");
    });
  });
}
