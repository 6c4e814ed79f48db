/**
 * Opens the database: PostgreSQL (a pool) when a URL is given, else PGlite under the data
 * folder. The embedded database is created in a temporary folder and renamed into place, so
 * a crash during creation never leaves a half-made database; a lock file keeps a second
 * process out of the folder.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, sql } from "kysely";
import pg from "pg";
import { MIGRATIONS } from "./migrations.js";
import { PGliteDialect } from "./pglite-dialect.js";
import { type SqlSession, startPGliteThread } from "./pglite-thread.js";
import type { DB } from "./schema.js";

export interface Database {
  readonly kind: "pglite" | "postgres";
  readonly db: Kysely<DB>;
  /** PostgreSQL's connection pool (its counters feed the metrics); absent on the embedded database. */
  readonly pool?: pg.Pool;
  close(): Promise<void>;
}

export interface OpenOptions {
  readonly databaseUrl?: string | undefined;
  readonly dataDir?: string;
  /** Pool size on PostgreSQL. */
  readonly poolSize?: number;
  /** A database in memory (tests): PGlite without a folder. */
  readonly memory?: boolean;
  /**
   * Hot statements as named prepared statements (default true). False behind a pooler in
   * transaction mode (pgBouncer 1.18): its server connections change between transactions, so
   * a name prepared on one is missing, or already taken, on the next (42P05 / 26000).
   */
  readonly namedStatements?: boolean;
  /**
   * A read replica (DATABASE_REPLICA_URL): a standby is expected there. The primary (the
   * default) must take writes: a standby there is refused at open with StandbyPrimaryError.
   */
  readonly replica?: boolean;
}

/** The primary's URL reaches a standby (in recovery, read-only): nothing was migrated or written. */
export class StandbyPrimaryError extends Error {
  constructor() {
    super("the database is a standby (in recovery, read-only)");
    this.name = "StandbyPrimaryError";
  }
}

// int8 as a decimal string on both drivers, never a lossy number.
const INT8 = 20;
pg.types.setTypeParser(INT8, (v) => v);

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl)
    return openPostgres(
      opts.databaseUrl,
      opts.poolSize ?? 10,
      opts.namedStatements ?? true,
      opts.replica ?? false,
    );
  return openPGlite(opts);
}

/** How long a connection attempt (or a wait for a free pooled connection) may take. */
const CONNECT_TIMEOUT_MS = 2000;
/**
 * The longest the client waits for one query's answer on PostgreSQL (pg's query_timeout). A
 * server that stops answering (frozen, or cut off by the network) would otherwise hang a
 * caller on an open connection indefinitely: connectionTimeoutMillis only bounds new
 * connections. Migrations are exempt: they run on a connection of their own.
 */
export const QUERY_TIMEOUT_MS = 5000;

async function openPostgres(
  url: string,
  poolSize: number,
  namedStatements: boolean,
  replica: boolean,
): Promise<Database> {
  await migratePostgres(url, replica);
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // Connections once opened stay open (pg closes idle ones after 10 s by default): a burst
    // after a quiet spell would otherwise pay new backends (a fork, cold caches, statements
    // prepared again) in its latency.
    min: poolSize,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
  });
  survivingLostConnections(pool);
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool: discardingTimedOut(pool, namedStatements) }),
  });
  return { kind: "postgres", db, pool, close: () => db.destroy() };
}

/**
 * Migrations may wait for another process's advisory lock or build an index on a large table,
 * so they run without the pool's timeouts. A hot standby (a read replica) is read-only and
 * gets its schema from its primary: nothing to migrate there. A standby at the primary's URL
 * (a replica's port, a proxy not routing to the leader) would otherwise start and fail later
 * on a table it does not have yet: it is refused here, by name.
 */
async function migratePostgres(url: string, replica: boolean): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  survivingLostConnections(pool);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  try {
    const recovery = await sql<{ standby: boolean }>`SELECT pg_is_in_recovery() AS standby`.execute(db);
    const standby = recovery.rows[0]?.standby === true;
    if (standby && !replica) throw new StandbyPrimaryError();
    if (!standby) await migrate(db, true);
  } finally {
    await db.destroy();
  }
}

/**
 * Whether an error means the database cannot be reached or cannot serve now (refused or lost
 * connection, shutting down, starting up, too many connections, no answer in time, or a server
 * that takes no writes: 25006, which a connection meets on a demoted primary or behind a proxy
 * whose check has not yet moved to the new leader), as opposed to a query it refused. Callers
 * answer such errors as transient.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    if (
      code.startsWith("08") ||
      code === "57P01" ||
      code === "57P02" ||
      code === "57P03" ||
      code === "53300" ||
      code === "25006"
    )
      return true;
    if (["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH"].includes(code)) return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection abandoned after a query timeout|Client has encountered a connection error/i.test(
    err.message,
  );
}

const PREPARED = /^\/\*ps:([a-z_]+)\*\//;

/**
 * Marks a hot statement whose text never varies (its values are all parameters) as a named
 * prepared statement on PostgreSQL: parsed and planned once per connection instead of on every
 * call. Only constant texts may carry it: each name is kept by every connection for its life.
 * PGlite ignores the mark (a comment).
 */
export function preparedAs(name: string): string {
  return `/*ps:${name}*/ `;
}

/**
 * A dropped connection must not crash the process: the next query on it reports the loss. pg's
 * pool listens for a client's "error" only while the client is idle in the pool; one checked out
 * between two queries (inside a transaction, or not yet handed to its caller) that hears a
 * "terminating connection" from a dying server emits "error" with nobody listening, which ends
 * the process (seen in the failover test). So every client listens from its first checkout,
 * synchronously, before anyone holds it, for its whole life.
 */
function survivingLostConnections(pool: pg.Pool): void {
  pool.on("error", () => undefined);
  pool.on("connect", (client) => {
    client.on("error", () => undefined);
  });
}

/** How Kysely begins the redeem's transaction (FulfillmentStore, consistentSnapshot: the only repeatable-read one). */
export const SNAPSHOT_BEGIN = "start transaction isolation level repeatable read";

/**
 * The redeem's transaction runs its statements on generic plans, planned once per connection.
 * PostgreSQL's default (plan_cache_mode auto) keeps planning a prepared statement anew on every
 * call when its generic plan's estimate is not cheaper than the custom plans', which is the case
 * for the redeem's two (the items read with `code = ANY(array)` and the commit's CTE of three
 * updates and two inserts): the bench's pg_stat_statements showed planning at about 70 % of the
 * redeem's statement time (0.52–0.64 and 0.62–0.85 ms a call, issue 18). Their plans do not depend on the values
 * (index lookups by code and by item id, as many rows as items), so the generic plan is the plan.
 * SET LOCAL rides in the BEGIN's round trip (a simple query of two statements) and ends with the
 * transaction; no other transaction's plans change.
 */
const SNAPSHOT_BEGIN_GENERIC = `${SNAPSHOT_BEGIN}; SET LOCAL plan_cache_mode = force_generic_plan`;

/**
 * A client whose query timed out still waits for that query's answer, so every later query
 * on it would queue behind and time out too: such a client fails further queries at once
 * and is discarded (its connection closed, which rolls back its transaction) on release.
 */
function discardingTimedOut(pool: pg.Pool, namedStatements: boolean): PostgresPool {
  return {
    connect: async () => {
      const client = await pool.connect();
      let timedOut = false;
      const run = async (text: string, params: ReadonlyArray<unknown>) => {
        if (timedOut) throw new Error("connection abandoned after a query timeout");
        const name = namedStatements ? PREPARED.exec(text)?.[1] : undefined;
        try {
          // A statement marked by preparedAs() is parsed and planned once per connection.
          if (name) return await client.query({ name, text, values: params as unknown[] });
          // Only with named statements: unnamed ones are planned on every call anyway.
          if (namedStatements && text === SNAPSHOT_BEGIN && params.length === 0) {
            try {
              const results = (await client.query(SNAPSHOT_BEGIN_GENERIC)) as unknown as pg.QueryResult[];
              return results[0];
            } catch (err) {
              // The BEGIN may have opened a transaction the failed SET aborted, and Kysely sends
              // no ROLLBACK for a BEGIN that threw: this connection is not to be used again.
              timedOut = true;
              throw err;
            }
          }
          return await client.query(text, params as unknown[]);
        } catch (err) {
          if (err instanceof Error && err.message === "Query read timeout") timedOut = true;
          throw err;
        }
      };
      return {
        // Text queries only: the dialect has no cursor configured, so Kysely never passes one.
        query: run as unknown as PostgresPoolClient["query"],
        release: () => client.release(timedOut),
      };
    },
    end: () => pool.end(),
  };
}

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
  let pglite: SqlSession;
  let unlock = () => {};
  if (opts.memory) {
    pglite = await startPGliteThread(undefined);
  } else {
    const dataDir = opts.dataDir ?? "./data";
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    unlock = lockDataDir(dataDir);
    const dbDir = join(dataDir, "pglite");
    try {
      if (!existsSync(dbDir)) {
        const tmp = join(dataDir, `pglite.init-${process.pid}`);
        rmSync(tmp, { recursive: true, force: true });
        const fresh = await startPGliteThread(tmp);
        const freshDb = new Kysely<DB>({ dialect: new PGliteDialect(fresh) });
        await migrate(freshDb, false);
        await fresh.close();
        renameSync(tmp, dbDir);
      }
      pglite = await startPGliteThread(dbDir);
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
      await pglite.close();
      unlock();
    },
  };
}

/**
 * Applies pending migrations; on PostgreSQL each in a transaction that first takes a
 * transaction-level advisory lock, so several processes can start at once, and through a pooler
 * in transaction mode too (a session-level lock would be taken on one server connection and
 * released, or never, on another). Under the lock a migration another process applied meanwhile
 * is seen and skipped.
 */
export async function migrate(db: Kysely<DB>, advisoryLock: boolean): Promise<void> {
  const lock = async (tx: Kysely<DB>) => {
    if (advisoryLock) await sql`SELECT pg_advisory_xact_lock(727274)`.execute(tx);
  };
  await db.transaction().execute(async (tx) => {
    await lock(tx);
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (id integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`.execute(
      tx,
    );
  });
  const done = await sql<{ id: number }>`SELECT id FROM schema_migrations`.execute(db);
  const applied = new Set(done.rows.map((r) => Number(r.id)));
  for (const m of MIGRATIONS) {
    if (applied.has(m.id)) continue;
    await db.transaction().execute(async (tx) => {
      await lock(tx);
      const again = await sql`SELECT 1 FROM schema_migrations WHERE id = ${m.id}`.execute(tx);
      if (again.rows.length > 0) return;
      for (const statement of m.statements) await sql.raw(statement).execute(tx);
      await sql`INSERT INTO schema_migrations (id, name, applied_at) VALUES (${m.id}, ${m.name}, ${Math.floor(Date.now() / 1000)})`.execute(
        tx,
      );
    });
  }
}
