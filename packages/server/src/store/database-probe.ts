/** Two questions the composition root asks the database itself. */
import { type Kysely, sql } from "kysely";
import type { DB } from "./schema.js";

/** This process's worker number (ids of processes sharing a database never collide). */
export async function takeWorkerNumber(db: Kysely<DB>): Promise<number> {
  const worker = await sql<{ n: string }>`SELECT nextval('worker_ids') AS n`.execute(db);
  return Number(worker.rows[0]?.n ?? 0) % 1024;
}

/** Whether the database answers a trivial query now. */
export async function databaseAnswers(db: Kysely<DB>): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
