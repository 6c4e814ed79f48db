/**
 * The composition root: opens the database and wires the store's adapters into the core's and
 * the gateway's ports. The only file outside store/ that imports store/ (the dependency rule,
 * .dependency-cruiser.cjs): what the server needs of the store for its wiring (keys, the data
 * folder, the shared counters) it takes from here. The server and the tests build the system
 * the same way.
 */
import { type Config, ConfigError } from "./config.js";
import type { AfterSaleDeps } from "./core/after-sale.js";
import type { CancelDeps } from "./core/cancel-redemption.js";
import type { IssueDeps } from "./core/issue-order.js";
import type { LookupDeps } from "./core/lookup.js";
import type { RealClock } from "./core/ports.js";
import type { RedeemDeps } from "./core/redeem-codes.js";
import type { CounterStore } from "./gateway/counter-store.js";
import {
  checkDeploymentKeys,
  type DeploymentKey,
  type RotationReport,
  rotateDeploymentKeys,
} from "./security/deployment-keys.js";
import { QR_KEY, SECRET_KEY } from "./security/key-fingerprint.js";
import { SecretBox } from "./security/secret-box.js";
import { AlertStore } from "./store/alert-store.js";
import { AuditStore } from "./store/audit-store.js";
import { SandboxClock, systemRealClock } from "./store/clocks.js";
import { cryptoCodes } from "./store/codes.js";
import { type Chmod, restrictDataDir, restrictUmask } from "./store/data-dir.js";
import { type Database, isDatabaseUnavailable, openDatabase, StandbyPrimaryError } from "./store/database.js";
import { databaseAnswers, takeWorkerNumber } from "./store/database-probe.js";
import { DeliveryReportStore } from "./store/delivery-reports.js";
import { DeviceStore, KyselyDevices } from "./store/device-store.js";
import { EventStore } from "./store/event-store.js";
import { FaultBoard } from "./store/faults.js";
import { KyselyFulfillmentStore } from "./store/fulfillment-store.js";
import { KyselyGatewayStore } from "./store/gateway-store.js";
import { FaultyIdSource, Snowflake } from "./store/ids.js";
import { fingerprintStore } from "./store/key-fingerprints.js";
import { loadDeploymentKey, loadToken } from "./store/keys.js";
import { MIGRATIONS } from "./store/migrations.js";
import { OperatorRecordStore } from "./store/operator-record-reads.js";
import { PlatformDirectoryStore } from "./store/platform-directory-store.js";
import { ReadCache } from "./store/read-cache.js";
import { memoryCounters, redisCounters } from "./store/shared-counters.js";
import { WorldWriter } from "./store/world-writer.js";

export type { Chmod } from "./store/data-dir.js";

export interface SystemOptions {
  readonly databaseUrl?: string | undefined;
  readonly replicaUrl?: string | undefined;
  readonly dataDir?: string | null; // null: in memory (tests)
  readonly secretKey?: string | undefined;
  /** The keys being replaced during a rotation (README, Keys): accepted for opening only. */
  readonly secretKeyPrevious?: string | undefined;
  readonly qrKey?: string | undefined;
  readonly qrKeyPrevious?: string | undefined;
  readonly deadlineMs?: number;
  readonly cancelWindowSeconds?: number;
  readonly realClock?: RealClock;
  readonly poolSize?: number;
  /** How long rarely-changing reads are cached (ms); 0 disables. Default 1000. */
  readonly cacheMs?: number;
  /** Named prepared statements on PostgreSQL (default true; false behind a transaction-mode pooler). */
  readonly namedStatements?: boolean;
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
  /** The QR codec's keys: FULFILL_QR_KEY (else generated into the data folder) and its previous one. */
  readonly qrKeys: { readonly current: Buffer; readonly previous: Buffer | null };
  /** `fulfill keys rotate`: every client secret re-sealed under the current key, its fingerprints recorded. */
  rotateKeys(): Promise<RotationReport>;
  readonly world: WorldWriter;
  readonly cache: ReadCache;
  readonly gateway: KyselyGatewayStore;
  readonly alerts: AlertStore;
  readonly directory: PlatformDirectoryStore;
  /** The operator audit, and support's searches over the records (redemptions, the after-sales queue). */
  readonly audit: AuditStore;
  readonly operatorRecords: OperatorRecordStore;
  readonly devices: DeviceStore;
  /** Device pairing's port (a device's app, grant and token in one transaction). */
  readonly devicePairing: KyselyDevices;
  /** The outbox and the deliveries (event delivery's ports). */
  readonly eventStore: EventStore;
  /** What the operator's Webhooks screen reads of the deliveries (and its replay of every dead letter). */
  readonly deliveryReports: DeliveryReportStore;
  /** Whether an error says the database is unreachable (an outage, a restart), not unexpected. */
  isDatabaseUnavailable(error: unknown): boolean;
  readonly redeemDeps: RedeemDeps;
  readonly lookupDeps: LookupDeps;
  readonly issueDeps: IssueDeps;
  readonly cancelDeps: CancelDeps;
  readonly afterSaleDeps: AfterSaleDeps;
  /** The database answers now (for /healthz). */
  databaseAnswers(): Promise<boolean>;
  /** Stats ports for the probes and the metrics (http/ops-ports.ts). */
  readonly stats: SystemStats;
  close(): Promise<void>;
}

/** What /readyz and /metrics read of the database (answers of the database, never cached). */
export interface SystemStats {
  /** Every migration this code knows is recorded in schema_migrations. */
  migrationsApplied(): Promise<boolean>;
  /** The PostgreSQL pool now; null on the embedded database or when the store does not expose it. */
  pool(): { total: number; idle: number; waiting: number } | null;
  /** Outbox events not fanned out, deliveries by state, the oldest pending delivery's start (ms). */
  outbox(): Promise<{ backlog: number; oldestPendingMs: number | null; deliveries: Record<string, number> }>;
}

function systemStats(database: Database): SystemStats {
  // The two tables the store's schema type leaves out (the migrations' own and event delivery's).
  const db = database.db.withTables<{
    schema_migrations: { id: number };
    webhook_deliveries: { state: string; created_at: string };
  }>();
  const pool = database.pool;
  return {
    migrationsApplied: async () => {
      const r = await db
        .selectFrom("schema_migrations")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirst();
      return Number(r?.n ?? 0) >= MIGRATIONS.length;
    },
    pool: () => (pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : null),
    outbox: async () => {
      const backlog = await db
        .selectFrom("outbox")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("delivered_at", "is", null)
        .executeTakeFirst();
      const states = await db
        .selectFrom("webhook_deliveries")
        .select((eb) => ["state", eb.fn.countAll<string>().as("n"), eb.fn.min("created_at").as("oldest")])
        .groupBy("state")
        .execute();
      const deliveries: Record<string, number> = {};
      let oldestPendingMs: number | null = null;
      for (const row of states) {
        deliveries[row.state] = Number(row.n);
        if (row.state === "pending" && row.oldest !== null) oldestPendingMs = Number(row.oldest);
      }
      return { backlog: Number(backlog?.n ?? 0), oldestPendingMs, deliveries };
    },
  };
}

export async function openSystem(opts: SystemOptions = {}): Promise<System> {
  const dataDir = opts.dataDir === undefined ? "./data" : opts.dataDir;
  const database = await openDatabase({
    databaseUrl: opts.databaseUrl,
    ...(dataDir === null ? { memory: true } : { dataDir }),
    ...(opts.poolSize ? { poolSize: opts.poolSize } : {}),
    ...(opts.namedStatements === false ? { namedStatements: false } : {}),
  }).catch((err: unknown) => {
    if (err instanceof StandbyPrimaryError)
      throw new ConfigError([
        "DATABASE_URL: the server it names is a standby (in recovery, read-only): it must name the primary (behind HAProxy, its primary port); a standby belongs in DATABASE_REPLICA_URL",
      ]);
    throw err;
  });
  const replica = opts.replicaUrl
    ? await openDatabase({
        replica: true,
        databaseUrl: opts.replicaUrl,
        poolSize: opts.poolSize ?? 10,
        ...(opts.namedStatements === false ? { namedStatements: false } : {}),
      })
    : null;
  const realClock = opts.realClock ?? systemRealClock;
  const keys = [
    loadDeploymentKey(SECRET_KEY, opts.secretKey, opts.secretKeyPrevious, dataDir, "secret.key"),
    loadDeploymentKey(QR_KEY, opts.qrKey, opts.qrKeyPrevious, dataDir, "qr.key"),
  ] as const;
  const fingerprints = fingerprintStore(database.db, () => realClock.nowMs());
  await refuseForeignKeys(fingerprints, keys, async () => {
    await replica?.close();
    await database.close();
  });
  const faults = new FaultBoard();
  const clock = new SandboxClock(realClock);
  // Each process takes its own worker number, so ids of processes sharing a database never collide.
  const ids = new FaultyIdSource(new Snowflake(await takeWorkerNumber(database.db), realClock), faults);
  const cache = new ReadCache(opts.cacheMs ?? 1000, () => realClock.nowMs());
  const store = new KyselyFulfillmentStore(database.db, faults, replica?.db, cache);
  const secrets = new SecretBox(keys[0].current, keys[0].previous);
  const deadlineMs = opts.deadlineMs ?? 3000;
  const world = new WorldWriter(database.db, () => cache.clear());
  const gateway = new KyselyGatewayStore(database.db, faults, cache);
  return {
    database,
    replica,
    store,
    faults,
    clock,
    realClock,
    ids,
    secrets,
    qrKeys: { current: keys[1].current, previous: keys[1].previous },
    rotateKeys: () => rotateDeploymentKeys(fingerprints, keys),
    world,
    cache,
    gateway,
    alerts: new AlertStore(database.db),
    directory: new PlatformDirectoryStore(database.db),
    audit: new AuditStore(database.db),
    operatorRecords: new OperatorRecordStore(database.db),
    devices: new DeviceStore(database.db),
    devicePairing: new KyselyDevices(database.db, world, faults, gateway),
    eventStore: new EventStore(database.db),
    deliveryReports: new DeliveryReportStore(database.db),
    isDatabaseUnavailable,
    redeemDeps: { store, clock, ids, deadlineMs, isUnavailable: isDatabaseUnavailable },
    lookupDeps: { store, clock },
    issueDeps: { store, clock, ids, codes: cryptoCodes },
    cancelDeps: { store, clock, ids, cancelWindowSeconds: opts.cancelWindowSeconds ?? 3600 },
    afterSaleDeps: { store, clock, ids },
    databaseAnswers: () => databaseAnswers(database.db),
    stats: systemStats(database),
    close: async () => {
      await replica?.close();
      await database.close();
    },
  };
}

/**
 * A key the database was not written with stops the start as a configuration error (exit 2),
 * before anything else is written: one read of the record (two statements on a first start).
 */
async function refuseForeignKeys(
  fingerprints: ReturnType<typeof fingerprintStore>,
  keys: readonly DeploymentKey[],
  close: () => Promise<void>,
): Promise<void> {
  let problems: string[];
  try {
    problems = await checkDeploymentKeys(fingerprints, keys);
  } catch (err) {
    await close();
    throw err;
  }
  if (problems.length === 0) return;
  await close();
  throw new ConfigError(problems);
}

/**
 * Data at rest: the umask first (so what Node creates from now on is the user's only), then the
 * data folder and everything already in it restricted. Returns what changed. Run again once the
 * database is open: PGlite sets its files' modes itself (0666 from its initdb, 0644 for files it
 * creates, whatever the umask), so a fresh database and its start-up files need the second pass;
 * the folder's own 0700 is what keeps files it creates later out of other users' reach.
 */
export function secureDataFolder(dataDir: string | null, chmod: Chmod | undefined): string[] {
  if (dataDir === null) return [];
  restrictUmask();
  return restrictDataDir(dataDir, chmod);
}

/** The operator token: FULFILL_OPERATOR_TOKEN, else generated once into the data folder (its path returned). */
export const operatorToken = (config: Config, dataDir: string | null) =>
  loadToken(config.operatorToken, dataDir, "operator.token");

/** Where the limits count: Redis when configured (every process shares), else this process. */
export const sharedCounters = (config: Config): CounterStore =>
  config.redisUrl ? redisCounters(config.redisUrl, config.redisKeyPrefix) : memoryCounters();
