/**
 * Outage answers (issue 15, item 2): a database connection lost at any statement of a redeem is
 * the read failure (R13, or the stage's own read row), never R34 (`FulfillRedeemUpdateConflict`,
 * which tells the caller a concurrent writer won). Nothing is written: the code stays redeemable.
 *
 * How a connection is lost at one statement, for real: a second connection holds a lock that
 * exactly that statement needs (the voucher's row, or a table only that statement touches), so
 * the redeem's backend waits there; the test then terminates that backend
 * (`pg_terminate_backend`), as a failover or a network cut would, and releases the lock.
 * The statements: the locked read of the vouchers with their records, the product read (the read
 * cache off), and the one commit statement (store/sql/commit-redemption.sql), held at two of its
 * steps: the redemption insert and the outbox insert. COMMIT itself cannot be held by a lock; a
 * connection lost there takes the same path (the transaction's error, after it began).
 *
 * PostgreSQL pass only (DATABASE_URL set): PGlite runs in the process and has no connection to lose.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSystem, type System } from "../../src/system.js";
import { load } from "../support/core-harness.js";
import { createScratchDatabase } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { type BuiltOrder, baseWorld, MERCHANT, NOW, order, product, SHOP_1 } from "../support/world.js";
import { answerRow } from "./answers.js";

const P_OUTAGE = "7200000000000000061";

interface Blocker {
  readonly statement: string;
  /** Takes the lock on `c` inside an open transaction; `code` is the code being redeemed. */
  readonly hold: (c: pg.Client, code: string) => Promise<unknown>;
  /** The rows this loss may answer: the stage's read row (R13 for the vouchers and the commit). */
  readonly rows: readonly string[];
}

const BLOCKERS: readonly Blocker[] = [
  {
    statement: "the locked read of the vouchers (store/sql/items.sql)",
    hold: (c, code) => c.query("SELECT 1 FROM vouchers WHERE code = $1 FOR UPDATE", [code]),
    rows: ["R13"],
  },
  {
    statement: "the product read",
    hold: (c) => c.query("LOCK TABLE products IN ACCESS EXCLUSIVE MODE"),
    rows: ["R13"],
  },
  {
    statement: "the commit statement, at the redemption insert",
    hold: (c) => c.query("LOCK TABLE redemptions IN ACCESS EXCLUSIVE MODE"),
    rows: ["R13"],
  },
  {
    statement: "the commit statement, at the outbox insert",
    hold: (c) => c.query("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE"),
    rows: ["R13"],
  },
];

/**
 * The pid of the redeem's backend once the holder blocks it, or null when the redeem answered
 * first (it may take a pooled connection that a previous kill left broken) or nothing blocked in
 * 10 s. Found by pg_blocking_pids (a named prepared statement's execution does not show its
 * text) and by the lock on the vouchers that every redeem takes first (the relay, which may be
 * blocked on the outbox too, holds none).
 */
async function waitingBackend(c: pg.Client, answered: () => boolean): Promise<number | null> {
  const until = Date.now() + 10_000;
  while (Date.now() < until && !answered()) {
    const r = await c.query(
      `SELECT a.pid FROM pg_stat_activity a
        WHERE a.datname = current_database() AND pg_backend_pid() = ANY (pg_blocking_pids(a.pid))
          AND EXISTS (SELECT 1 FROM pg_locks l
                       WHERE l.pid = a.pid AND l.granted AND l.relation = 'vouchers'::regclass)`,
    );
    if (r.rows.length === 1) return r.rows[0].pid as number;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return null;
}

/** Attempts per statement: an attempt whose redeem was not caught waiting is tried again on a fresh order. */
const ATTEMPTS = 3;

describe.skipIf(!process.env.DATABASE_URL)("a connection lost at each statement of a redeem", () => {
  const base = process.env.DATABASE_URL as string;
  let scratch: { url: string; drop: () => Promise<void> } | undefined;
  let system: System | undefined;
  let t: TestServer | undefined;
  let token = "";
  const orders: BuiltOrder[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase(base);
    // The read cache off: the product and holiday reads go to the database on every redeem.
    // A deadline far beyond the lock wait: the answer must be the lost connection's, not R9's.
    system = await openSystem({
      databaseUrl: scratch.url,
      dataDir: null,
      cacheMs: 0,
      poolSize: 4,
      deadlineMs: 20_000,
    });
    const world = baseWorld();
    world.products = [product(P_OUTAGE)];
    for (let i = 0; i < BLOCKERS.length * ATTEMPTS; i++) {
      const o = order({ productId: P_OUTAGE, items: [{ status: "WAIT_FULFILL" }] });
      world.orders?.push(o.order);
      orders.push(o.built);
    }
    await load(system, world);
    system.clock.freeze(NOW);
    t = await startTestServer({ name: "postgres", open: async () => system as System }, {}, { system });
    token = await t.token();
  }, 60_000);
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await system?.close().catch(() => undefined);
    await scratch?.drop();
  });

  BLOCKERS.forEach((blocker, i) => {
    it(`at ${blocker.statement}: ${blocker.rows.join(" or ")}, never R34, and nothing written`, async () => {
      if (!t || !scratch) throw new Error("setup failed");
      const rows: string[] = [];
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const o = orders[i * ATTEMPTS + attempt] as BuiltOrder;
        const code = o.codes[0] as string;
        const body = {
          merchant_id: MERCHANT,
          third_shop_id: SHOP_1,
          shop_order_id: o.shopOrderId,
          code_list: [code],
          locale: "id-ID",
        };
        const holder = new pg.Client({ connectionString: scratch.url });
        await holder.connect();
        let killed = false;
        let row: string;
        try {
          await holder.query("BEGIN");
          await blocker.hold(holder, code);
          let done = false;
          const answer = t.redeem(token, body).finally(() => {
            done = true;
          });
          const pid = await waitingBackend(holder, () => done);
          if (pid !== null) {
            const r = await holder.query("SELECT pg_terminate_backend($1) AS done", [pid]);
            killed = r.rows[0].done === true;
          }
          await holder.query("ROLLBACK");
          row = answerRow("redeem", await answer);
        } finally {
          await holder.end();
        }
        // Whatever happened, a lost connection never answers R34 (nobody else wrote).
        expect(row).not.toBe("R34");
        rows.push(row);
        if (!killed) continue;
        expect(blocker.rows).toContain(row);
        // Nothing was written: the same code redeems now.
        expect(answerRow("redeem", await t.redeem(token, body))).toBe("ok");
        return;
      }
      throw new Error(`the redeem was never caught waiting at ${blocker.statement}: ${rows.join(", ")}`);
    }, 90_000);
  });
});
