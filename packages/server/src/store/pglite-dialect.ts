/**
 * A Kysely dialect for PGlite. PGlite has one connection: connections are handed out one at a
 * time (a FIFO mutex), and a Kysely transaction runs inside `pglite.transaction()` so PGlite's
 * own callers can never interleave with it.
 */
import type { PGlite, Transaction } from "@electric-sql/pglite";
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from "kysely";

class Mutex {
  #tail: Promise<void> = Promise.resolve();
  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => {
      release = r;
    });
    const acquired = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return acquired;
  }
}

class PGliteConnection implements DatabaseConnection {
  tx: Transaction | null = null;
  finish: ((outcome: "commit" | "rollback") => void) | null = null;
  done: Promise<unknown> | null = null;
  release: (() => void) | null = null;

  constructor(readonly db: PGlite) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const runner = this.tx ?? this.db;
    const res = await runner.query<R>(compiled.sql, compiled.parameters as unknown[]);
    const affected = res.affectedRows;
    return {
      rows: res.rows,
      ...(affected !== undefined ? { numAffectedRows: BigInt(affected) } : {}),
    };
  }

  // biome-ignore lint/correctness/useYield: streaming is not supported on PGlite
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming is not supported on PGlite");
  }
}

class PGliteDriver implements Driver {
  readonly #mutex = new Mutex();
  readonly #connection: PGliteConnection;

  constructor(db: PGlite) {
    this.#connection = new PGliteConnection(db);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#mutex.lock();
    this.#connection.release = release;
    return this.#connection;
  }

  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    const c = conn as PGliteConnection;
    await new Promise<void>((started, failed) => {
      c.done = c.db
        .transaction(async (tx) => {
          c.tx = tx;
          started();
          const outcome = await new Promise<"commit" | "rollback">((resolve) => {
            c.finish = resolve;
          });
          if (outcome === "rollback") await tx.rollback();
        })
        .catch((err) => {
          failed(err);
          throw err;
        });
    });
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await this.#end(conn as PGliteConnection, "commit");
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await this.#end(conn as PGliteConnection, "rollback");
  }

  async #end(c: PGliteConnection, outcome: "commit" | "rollback"): Promise<void> {
    const done = c.done;
    c.finish?.(outcome);
    c.finish = null;
    c.tx = null;
    c.done = null;
    await done;
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    const c = conn as PGliteConnection;
    const release = c.release;
    c.release = null;
    release?.();
  }

  async destroy(): Promise<void> {}
}

export class PGliteDialect implements Dialect {
  constructor(readonly db: PGlite) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.db);
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}
