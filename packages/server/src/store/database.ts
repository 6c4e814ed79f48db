/**
 * Opens the database: PostgreSQL (a pool) when a URL is given, else PGlite under the data
 * folder. The embedded database is created in a temporary folder and renamed into place, so
 * a crash during creation never leaves a half-made database; a lock file keeps a second
 * process out of the folder.
 */
import { mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { MIGRATIONS } from "./migrations.js";
import { PGliteDialect } from "./pglite-dialect.js";
import type { DB } from "./schema.js";

export interface Database {
  readonly kind: "pglite" | "postgres";
  readonly db: Kysely<DB>;
  close(): Promise<void>;
}

export interface OpenOptions {
  readonly databaseUrl?: string | undefined;
  readonly dataDir?: string;
  /** Pool size on PostgreSQL. */
  readonly poolSize?: number;
  /** A database in memory (tests): PGlite without a folder. */
  readonly memory?: boolean;
}

// int8 as a decimal string on both drivers, never a lossy number.
const INT8 = 20;
pg.types.setTypeParser(INT8, (v) => v);

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 10);
  return openPGlite(opts);
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 2000 });
  // A dropped connection must not crash the process: the next query reports it instead.
  pool.on("error", () => undefined);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  await migrate(db, true);
  return { kind: "postgres", db, close: () => db.destroy() };
}

const pgliteParsers = { [INT8]: (v: string) => v };

function lockDataDir(dir: string): () => void {
  const lockPath = join(dir, "LOCK");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(lockPath, "utf8"));
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new Error(`the data folder ${dir} is in use by process ${pid}`);
      }
      rmSync(lockPath, { force: true }); // stale lock of a dead process
    }
  }
  throw new Error(`could not lock ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function openPGlite(opts: OpenOptions): Promise<Database> {
  let pglite: PGlite;
  let unlock = () => {};
  if (opts.memory) {
    pglite = await PGlite.create({ parsers: pgliteParsers });
  } else {
    const dataDir = opts.dataDir ?? "./data";
    mkdirSync(dataDir, { recursive: true });
    unlock = lockDataDir(dataDir);
    const dbDir = join(dataDir, "pglite");
    try {
      if (!existsSync(dbDir)) {
        const tmp = join(dataDir, `pglite.init-${process.pid}`);
        rmSync(tmp, { recursive: true, force: true });
        const fresh = await PGlite.create(tmp, { parsers: pgliteParsers });
        const freshDb = new Kysely<DB>({ dialect: new PGliteDialect(fresh) });
        await migrate(freshDb, false);
        await fresh.close();
        renameSync(tmp, dbDir);
      }
      pglite = await PGlite.create(dbDir, { parsers: pgliteParsers });
    } catch (err) {
      unlock();
      throw err;
    }
  }
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  await migrate(db, false);
  return {
    kind: "pglite",
    db,
    close: async () => {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
      unlock();
    },
  };
}

/** Applies pending migrations; on PostgreSQL under an advisory lock so several processes can start at once. */
export async function migrate(db: Kysely<DB>, advisoryLock: boolean): Promise<void> {
  await db.connection().execute(async (conn) => {
    if (advisoryLock) await sql`SELECT pg_advisory_lock(727274)`.execute(conn);
    try {
      await sql`CREATE TABLE IF NOT EXISTS schema_migrations (id integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`.execute(conn);
      const done = await sql<{ id: number }>`SELECT id FROM schema_migrations`.execute(conn);
      const applied = new Set(done.rows.map((r) => Number(r.id)));
      for (const m of MIGRATIONS) {
        if (applied.has(m.id)) continue;
        await conn.transaction().execute(async (tx) => {
          for (const statement of m.statements) await sql.raw(statement).execute(tx);
          await sql`INSERT INTO schema_migrations (id, name, applied_at) VALUES (${m.id}, ${m.name}, ${Math.floor(Date.now() / 1000)})`.execute(tx);
        });
      }
    } finally {
      if (advisoryLock) await sql`SELECT pg_advisory_unlock(727274)`.execute(conn);
    }
  });
}
