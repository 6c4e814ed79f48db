/** Starts one server process: the system, the HTTP app, the housekeeping timers. */
import type { FastifyInstance } from "fastify";
import type { Config } from "./config.js";
import { deviceServices } from "./core/devices.js";
import { operatorAudit } from "./core/operator-audit.js";
import { operatorReads } from "./core/operator-reads.js";
import type { OperatorAlert } from "./core/platform-ports.js";
import { platformServices, sandboxServices } from "./core/platform-services.js";
import type { RealClock } from "./core/ports.js";
import { webhookReports } from "./events/delivery-reports.js";
import { deliveryOptions, eventServices, systemTransport } from "./events/index.js";
import { webhookUrlProblem } from "./events/webhook-target.js";
import { authenticate, RateLimiter } from "./gateway/caller.js";
import type { HealthLog } from "./gateway/counter-store.js";
import { EnumerationGuard, type EnumerationTrip } from "./gateway/enumeration-guard.js";
import { FailureThrottle } from "./gateway/failure-throttle.js";
import { QrCodec } from "./gateway/qr-codec.js";
import { RequestLogWriter } from "./gateway/request-log-writer.js";
import { saasEndpoints } from "./gateway/saas-endpoints.js";
import { buildApp } from "./http/app.js";
import { installConsole } from "./http/console.js";
import type { HttpContext } from "./http/context.js";
import { installDevices } from "./http/devices.js";
import { installEventDelivery } from "./http/events.js";
import { installMetrics, Metrics } from "./http/metrics.js";
import { installProbes } from "./http/probes.js";
import {
  type Chmod,
  openSystem,
  operatorToken,
  type System,
  secureDataFolder,
  sharedCounters,
} from "./system.js";

/** Rows one housekeeping sweep deleted, by kind. */
export interface SweepCounts {
  readonly tokens: number;
  readonly pairingCodes: number;
  readonly idempotencyKeys: number;
  readonly requestLog: number;
  readonly alerts: number;
}

/**
 * One housekeeping sweep: access and refresh tokens past expiry on the business clock, used
 * pairing codes (and codes a day past expiry), idempotency rows past 24 h and request-log rows
 * past their retention on the real clock, operator alerts kept as long as the request log they
 * point into. Nothing left behind still matters to any answer.
 */
export async function sweepExpired(config: Config, system: System): Promise<SweepCounts> {
  const { devices, gateway } = system;
  const realNowMs = system.realClock.nowMs();
  const business = system.clock.now();
  const tokens = await gateway.purgeExpiredTokens(business);
  const pairingCodes =
    (await devices.purgeUsedPairingCodes()) + (await devices.purgePairingCodes(business - 86_400));
  const idempotencyKeys = await gateway.purgeIdempotencyKeys(realNowMs - 24 * 3600 * 1000);
  const retainedFromMs = realNowMs - config.requestLogDays * 86_400_000;
  const requestLog = await gateway.purgeRequestLog(Math.floor(retainedFromMs / 1000));
  const alerts = await system.alerts.purge(retainedFromMs);
  return { tokens, pairingCodes, idempotencyKeys, requestLog, alerts };
}

/**
 * Outside the sandbox the operator token guards everything: a short one is refused at start.
 * The message names where it came from, never the token.
 */
export const MIN_SECRET_LENGTH = 32;

function checkOperatorToken(config: Config, operator: { token: string; path: string | null }): void {
  if (config.sandbox || operator.token.length >= MIN_SECRET_LENGTH) return;
  const source = operator.path ? `the operator token in ${operator.path}` : "FULFILL_OPERATOR_TOKEN";
  throw new Error(`${source} must be at least ${MIN_SECRET_LENGTH} characters outside the sandbox`);
}

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly system: System;
  readonly context: HttpContext;
  /** The QR codec under this server's key (tests forge and issue QRs with it). */
  readonly qr: QrCodec;
  readonly operatorToken: string;
  readonly operatorTokenPath: string | null;
  /** Runs one housekeeping sweep now (it also runs every FULFILL_PURGE_INTERVAL seconds). */
  sweep(): Promise<SweepCounts>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Keep everything in memory (tests): no data folder. */
  readonly memory?: boolean;
  readonly logLevel?: string;
  readonly logStream?: NodeJS.WritableStream;
  readonly realClock?: RealClock;
  /** An already opened system (tests that share one). */
  readonly system?: System;
  /** How modes in the data folder are set (a test injects one that fails). */
  readonly chmod?: Chmod;
}

/** The window of the enumeration budget (its size is `missBudgetPerMinute`). */
const MISS_WINDOW_MS = 60_000;

/**
 * What the HTTP layer needs: the use cases bound to the system's ports, the request log, the
 * QR codec, the limits. `log` is read when an enumeration alert is raised (the app's log, once
 * there is one).
 */
export function httpContext(
  config: Config,
  system: System,
  qr: QrCodec,
  operatorToken: string,
  log: () => HealthLog | undefined = () => undefined,
  onTrip: (trip: EnumerationTrip) => void = () => undefined,
): HttpContext {
  const { gateway, alerts, devices } = system;
  const counters = sharedCounters(config);
  const catalogue = {
    writer: system.world,
    secrets: system.secrets,
    ids: system.ids,
    webhookUrlProblem: (url: string) => webhookUrlProblem(url, config.webhookAllowLoopback),
    reads: system.store.primary,
    clock: system.clock,
  };
  const platform = platformServices({
    catalogue,
    issue: system.issueDeps,
    afterSale: system.afterSaleDeps,
    qr,
    alerts,
    requestLog: gateway,
    directory: system.directory,
  });
  const failures = config.authFailuresPerMinute;
  const rule = (name: string, allowed: number, windowSeconds: number) => ({
    counter: counters.counter(name, allowed, windowSeconds, "local"),
    allowed,
  });
  const throttles = {
    // Several apps may share one address (a SaaS's egress): the address alone gets three times more.
    token: new FailureThrottle([rule("auth:client", failures, 60), rule("auth:address", failures * 3, 60)]),
    operator: new FailureThrottle([rule("auth:operator", failures, 60)]),
    // Pairing codes live 10 minutes: their failures are counted over 10 minutes.
    pairing: new FailureThrottle([rule("pair:address", failures, 600), rule("pair:code", failures, 600)]),
  };
  const saas = saasEndpoints({
    gateway,
    reads: system.store.primary,
    clock: system.clock,
    realClock: system.realClock,
    secrets: system.secrets,
    lookup: system.lookupDeps,
    redeem: system.redeemDeps,
    cancel: system.cancelDeps,
    qr,
    limiter: new RateLimiter(
      config.rateLimitPerSecond,
      counters.counter("rate", config.rateLimitPerSecond, 1, "open"),
    ),
    enumeration: new EnumerationGuard(
      config.missBudgetPerMinute,
      MISS_WINDOW_MS,
      counters.counter("misses", config.missBudgetPerMinute, MISS_WINDOW_MS / 1000, "local"),
      (trip) => {
        onTrip(trip);
        return raiseEnumerationAlert(trip, devices, alerts, log());
      },
    ),
    tokenThrottle: throttles.token,
    accessTtlSeconds: config.accessTtlSeconds,
    refreshTtlSeconds: config.refreshTtlSeconds,
  });
  return {
    config,
    realClock: system.realClock,
    requestLog: new RequestLogWriter(gateway, () => undefined),
    saas,
    isDatabaseUnavailable: system.isDatabaseUnavailable,
    operatorToken,
    counters,
    throttles,
    ...deviceAndEventServices(config, system),
    webhooks: webhookReports({ store: system.deliveryReports, realClock: system.realClock }),
    platform,
    audit: operatorAudit(system.audit, system.realClock),
    operatorReads: operatorReads(system.operatorRecords),
    sandbox: config.sandbox
      ? sandboxServices(platform, { catalogue, faults: system.faults, clock: system.clock })
      : null,
    health: async () =>
      (await system.databaseAnswers()) ? { ok: true, database: system.database.kind } : { ok: false },
  };
}

/** The devices' and event delivery's use cases, bound to their ports. */
function deviceAndEventServices(config: Config, system: System): Pick<HttpContext, "devices" | "events"> {
  const reads = system.store.primary;
  return {
    devices: deviceServices({
      devices: system.devicePairing,
      reads,
      clock: system.clock,
      ids: system.ids,
      seal: (secret) => system.secrets.seal(secret),
      callerOf: async (authorization) => {
        const auth = await authenticate(
          { gateway: system.gateway, reads, clock: system.clock },
          authorization,
          "query",
        );
        return auth.ok ? auth.value : null;
      },
      cancelWindowSeconds: system.cancelDeps.cancelWindowSeconds,
    }),
    events: eventServices({
      store: system.eventStore,
      secrets: system.secrets,
      realClock: system.realClock,
      options: deliveryOptions(config),
      transport: systemTransport(config.webhookAllowLoopback),
    }),
  };
}

/** One warn line and one stored alert per tripped budget and window; never a code. */
async function raiseEnumerationAlert(
  trip: EnumerationTrip,
  devices: System["devices"],
  alerts: System["alerts"],
  log: HealthLog | undefined,
): Promise<void> {
  const s = trip.subject;
  // Only here, when a budget trips, is the device behind the token looked up.
  const device = await devices.deviceByApp(s.appId).catch(() => null);
  const deviceBudget = device !== null && trip.budget === "own";
  const alert: OperatorAlert = {
    type: "code_enumeration",
    atMs: trip.at,
    budget: deviceBudget ? "device" : "app",
    appId: deviceBudget ? (s.onBehalfOfAppId ?? s.appId) : trip.budgetAppId,
    merchantId: s.merchantId,
    deviceId: device?.deviceId ?? null,
    misses: trip.misses,
    windowSeconds: trip.windowMs / 1000,
  };
  log?.warn(
    {
      alert: {
        type: alert.type,
        budget: alert.budget,
        app_id: alert.appId,
        merchant_id: alert.merchantId,
        device_id: alert.deviceId,
        misses: alert.misses,
        window_seconds: alert.windowSeconds,
      },
    },
    "code enumeration suspected: lookups and redeems throttled",
  );
  await alerts
    .insert(alert)
    .catch((err) =>
      log?.warn({ err: { message: (err as Error).message } }, "storing the enumeration alert failed"),
    );
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const dataDir = opts.memory ? null : config.dataDir;
  const restricted = secureDataFolder(dataDir, opts.chmod);
  const system =
    opts.system ??
    (await openSystem({
      databaseUrl: config.databaseUrl,
      replicaUrl: config.replicaUrl,
      dataDir,
      deadlineMs: config.coreDeadlineMs,
      cancelWindowSeconds: config.cancelWindowSeconds,
      poolSize: config.dbPoolSize,
      cacheMs: config.cacheMs,
      secretKey: config.secretKey,
      secretKeyPrevious: config.secretKeyPrevious,
      qrKey: config.qrKey,
      qrKeyPrevious: config.qrKeyPrevious,
      namedStatements: config.dbNamedStatements,
      ...(opts.realClock ? { realClock: opts.realClock } : {}),
    }));
  try {
    const operator = operatorToken(config, dataDir);
    checkOperatorToken(config, operator);
    // Files the database (re)wrote while opening: its own, restricted again (counted, not listed).
    const reopened = secureDataFolder(dataDir, opts.chmod).filter((path) => !restricted.includes(path));
    let appLog: FastifyInstance["log"] | undefined;
    // The system's keys (checked against the database's record when it opened).
    const qr = new QrCodec(system.qrKeys.current, system.qrKeys.previous);
    let requestLogPending = () => 0;
    const metrics = new Metrics({
      pool: system.stats.pool,
      outbox: system.stats.outbox,
      nowMs: () => system.realClock.nowMs(),
      requestLogPending: () => requestLogPending(),
    });
    const context = httpContext(
      config,
      system,
      qr,
      operator.token,
      () => appLog,
      (trip) => metrics.enumerationTrips.inc({ budget: trip.budget }),
    );
    requestLogPending = () => context.requestLog.pending;
    const app = await buildApp(context, {
      ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
      ...(opts.logStream ? { logStream: opts.logStream } : {}),
    });
    await installDevices(app, context);
    await installConsole(app);
    installProbes(app, {
      databaseAnswers: system.databaseAnswers,
      migrationsApplied: system.stats.migrationsApplied,
    });
    installMetrics(app, context, metrics);
    appLog = app.log;
    context.counters.start(app.log);
    if (restricted.length > 0)
      app.log.warn({ paths: restricted }, "data folder: restricted to this user (folders 0700, files 0600)");
    if (reopened.length > 0)
      app.log.info(
        { files: reopened.length },
        "data folder: the embedded database's own files restricted to this user (0600)",
      );
    const events = await installEventDelivery(app, context);
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;

    const housekeeping = setInterval(() => {
      sweepExpired(config, system).catch((err) =>
        app.log.warn({ err: { message: (err as Error).message } }, "housekeeping sweep failed"),
      );
    }, config.purgeIntervalSeconds * 1000);
    housekeeping.unref();
    // Expired unused vouchers of products that say so refund themselves (apply_source 1).
    const expirySweep = setInterval(() => {
      context.platform
        .sweepExpiredRefunds()
        .catch((err) => app.log.warn({ err: { message: (err as Error).message } }, "expiry sweep failed"));
    }, 60 * 1000);
    expirySweep.unref();

    return {
      url,
      app,
      system,
      context,
      qr,
      operatorToken: operator.token,
      operatorTokenPath: operator.path,
      sweep: () => sweepExpired(config, system),
      close: async () => {
        clearInterval(housekeeping);
        clearInterval(expirySweep);
        await events.stop();
        await app.close();
        await context.counters.close();
        if (!opts.system) await system.close();
      },
    };
  } catch (err) {
    if (!opts.system) await system.close();
    throw err;
  }
}
