/**
 * The embedded database in a worker thread. PGlite executes SQL synchronously in WebAssembly,
 * so in the HTTP thread every statement stalls every request; in a worker of its own the SQL of
 * one request runs while the HTTP thread parses, checks and answers others (issue 18: two cores
 * instead of one). The worker owns the one PGlite instance (one data folder, one session) and
 * runs statements in the order they arrive; the dialect still hands its single connection to
 * one caller at a time, so transactions stay exactly as serial as in one thread.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** What the dialect needs of the database: one statement at a time, and closing. */
export interface SqlSession {
  query<R>(sql: string, params: readonly unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  close(): Promise<void>;
}

// The worker runs plain JavaScript (an eval worker), so it needs no TypeScript loader under
// tsx or vitest and no separate file in the build. int8 comes back as a decimal string, as on pg.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { PGlite } = require(workerData.module);
const fields = (err) => {
  const out = { name: err && err.name, message: String(err && err.message || err) };
  for (const k of ["code", "detail", "hint", "severity", "constraint", "table", "column", "schema", "position"])
    if (err && err[k] !== undefined) out[k] = err[k];
  return out;
};
PGlite.create(workerData.dataDir, { parsers: { 20: (v) => v } }).then(
  (db) => {
    parentPort.on("message", (m) => {
      if (m.close) {
        db.close().then(() => parentPort.postMessage({ id: m.id, rows: [] }), (err) => parentPort.postMessage({ id: m.id, error: fields(err) }));
        return;
      }
      db.query(m.sql, m.params).then(
        (r) => parentPort.postMessage({ id: m.id, rows: r.rows, affectedRows: r.affectedRows }),
        (err) => parentPort.postMessage({ id: m.id, error: fields(err) }),
      );
    });
    parentPort.postMessage({ id: 0, rows: [] });
  },
  (err) => parentPort.postMessage({ id: 0, error: fields(err) }),
);
`;

interface Reply {
  readonly id: number;
  readonly rows?: unknown[];
  readonly affectedRows?: number;
  readonly error?: { name?: string; message: string } & Record<string, unknown>;
}

interface Waiting {
  resolve(reply: Reply): void;
  reject(err: Error): void;
}

/**
 * The thread is gone (closed, or exited): 57P01 like a server shutting down, so that callers
 * answer it as the database being unavailable (R13, 503), never as a refused statement.
 */
function goneError(message: string): Error {
  return Object.assign(new Error(message), { code: "57P01" });
}

/** An error of the database as the driver threw it in the worker: same message, SQLSTATE and detail. */
function databaseError(fields: NonNullable<Reply["error"]>): Error {
  const { name, message, ...rest } = fields;
  return Object.assign(new Error(message), rest, name ? { name } : {});
}

class PGliteThread implements SqlSession {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiting>();
  #next = 1;
  #stopped: Error | null = null;
  #closing: Promise<void> | null = null;

  constructor(worker: Worker) {
    this.#worker = worker;
    worker.on("message", (reply: Reply) => this.#settle(reply));
    worker.on("error", (err) => this.#stop(err));
    worker.on("exit", (code) => this.#stop(goneError(`the embedded database's thread exited (${code})`)));
  }

  query<R>(sql: string, params: readonly unknown[]): Promise<{ rows: R[]; affectedRows?: number }> {
    return this.#ask({ sql, params }).then((reply) => ({
      rows: (reply.rows ?? []) as R[],
      ...(reply.affectedRows !== undefined ? { affectedRows: reply.affectedRows } : {}),
    }));
  }

  /** Closes PGlite in the thread, then the thread; every caller of close waits for the same end. */
  close(): Promise<void> {
    this.#closing ??= this.#stopped
      ? Promise.resolve()
      : this.#ask({ close: true })
          .then(
            () => undefined,
            () => undefined,
          )
          .finally(async () => {
            this.#stop(goneError("the embedded database is closed"));
            await this.#worker.terminate();
          });
    return this.#closing;
  }

  /** Resolves once the database is open in the worker (the reply to message 0). */
  opened(): Promise<void> {
    return new Promise<Reply>((resolve, reject) => this.#wait(0, { resolve, reject })).then(() => undefined);
  }

  #ask(message: Record<string, unknown>): Promise<Reply> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#next++;
    return new Promise<Reply>((resolve, reject) => {
      this.#wait(id, { resolve, reject });
      try {
        this.#worker.postMessage({ id, ...message });
      } catch (err) {
        // A value structured clone cannot copy: nothing was sent, nothing is awaited.
        this.#settle({ id, error: { name: "DataCloneError", message: String((err as Error).message) } });
      }
    });
  }

  // The worker keeps the process alive only while an answer is awaited: an open but idle
  // database must not hold a process that has nothing else to do.
  #wait(id: number, waiting: Waiting): void {
    this.#waiting.set(id, waiting);
    this.#worker.ref();
  }

  #settle(reply: Reply): void {
    const waiting = this.#waiting.get(reply.id);
    if (!waiting) return;
    this.#waiting.delete(reply.id);
    if (this.#waiting.size === 0) this.#worker.unref();
    if (reply.error) waiting.reject(databaseError(reply.error));
    else waiting.resolve(reply);
  }

  #stop(err: Error): void {
    this.#stopped ??= err;
    for (const waiting of this.#waiting.values()) waiting.reject(err);
    this.#waiting.clear();
    this.#worker.unref();
  }
}

/** Opens PGlite in a worker thread: under `dataDir`, or in memory when it is undefined. */
export async function startPGliteThread(dataDir: string | undefined): Promise<SqlSession> {
  const module = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, dataDir } });
  const thread = new PGliteThread(worker);
  try {
    await thread.opened();
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  return thread;
}
