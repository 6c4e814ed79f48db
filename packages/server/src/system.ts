/**
 * The composition root: opens the database and wires the store's adapters into the core's
 * ports. The server and the tests build the system the same way.
 */
import { sql } from "kysely";
import type { AfterSaleDeps } from "./core/after-sale.js";
import type { CancelDeps } from "./core/cancel-redemption.js";
import type { IssueDeps } from "./core/issue-order.js";
import type { LookupDeps } from "./core/lookup.js";
import type { RealClock } from "./core/ports.js";
import type { RedeemDeps } from "./core/redeem-codes.js";
import { SecretBox } from "./security/secret-box.js";
import { SandboxClock, systemRealClock } from "./store/clocks.js";
import { cryptoCodes } from "./store/codes.js";
import { type Database, openDatabase } from "./store/database.js";
import { FaultBoard } from "./store/faults.js";
import { KyselyFulfillmentStore } from "./store/fulfillment-store.js";
import { FaultyIdSource, Snowflake } from "./store/ids.js";
import { loadKey } from "./store/keys.js";
import { ReadCache } from "./store/read-cache.js";
import { WorldWriter } from "./store/world-writer.js";

export interface SystemOptions {
  readonly databaseUrl?: string | undefined;
  readonly replicaUrl?: string | undefined;
  readonly dataDir?: string | null; // null: in memory (tests)
  readonly secretKey?: string | undefined;
  readonly deadlineMs?: number;
  readonly cancelWindowSeconds?: number;
  readonly realClock?: RealClock;
  readonly poolSize?: number;
  /** How long rarely-changing reads are cached (ms); 0 disables. Default 1000. */
  readonly cacheMs?: number;
}

export interface System {
  readonly database: Database;
  readonly replica: Database | null;
  readonly store: KyselyFulfillmentStore;
  readonly faults: FaultBoard;
  readonly clock: SandboxClock;
  readonly realClock: RealClock;
  readonly ids: FaultyIdSource;
  readonly secrets: SecretBox;
  readonly world: WorldWriter;
  readonly cache: ReadCache;
  readonly redeemDeps: RedeemDeps;
  readonly lookupDeps: LookupDeps;
  readonly issueDeps: IssueDeps;
  readonly cancelDeps: CancelDeps;
  readonly afterSaleDeps: AfterSaleDeps;
  close(): Promise<void>;
}

export async function openSystem(opts: SystemOptions = {}): Promise<System> {
  const dataDir = opts.dataDir === undefined ? "./data" : opts.dataDir;
  const database = await openDatabase({
    databaseUrl: opts.databaseUrl,
    ...(dataDir === null ? { memory: true } : { dataDir }),
    ...(opts.poolSize ? { poolSize: opts.poolSize } : {}),
  });
  const replica = opts.replicaUrl
    ? await openDatabase({ databaseUrl: opts.replicaUrl, poolSize: opts.poolSize ?? 10 })
    : null;
  const faults = new FaultBoard();
  const realClock = opts.realClock ?? systemRealClock;
  const clock = new SandboxClock(realClock);
  // Each process takes its own worker number, so ids of processes sharing a database never collide.
  const worker = await sql<{ n: string }>`SELECT nextval('worker_ids') AS n`.execute(database.db);
  const ids = new FaultyIdSource(new Snowflake(Number(worker.rows[0]?.n ?? 0) % 1024, realClock), faults);
  const cache = new ReadCache(opts.cacheMs ?? 1000, () => realClock.nowMs());
  const store = new KyselyFulfillmentStore(database.db, faults, replica?.db, cache);
  const secrets = new SecretBox(loadKey(opts.secretKey, dataDir, "secret.key"));
  const deadlineMs = opts.deadlineMs ?? 3000;
  return {
    database,
    replica,
    store,
    faults,
    clock,
    realClock,
    ids,
    secrets,
    world: new WorldWriter(database.db, () => cache.clear()),
    cache,
    redeemDeps: { store, clock, ids, deadlineMs },
    lookupDeps: { store, clock },
    issueDeps: { store, clock, ids, codes: cryptoCodes },
    cancelDeps: { store, clock, ids, cancelWindowSeconds: opts.cancelWindowSeconds ?? 3600 },
    afterSaleDeps: { store, clock, ids },
    close: async () => {
      await replica?.close();
      await database.close();
    },
  };
}
