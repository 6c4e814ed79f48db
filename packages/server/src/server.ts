/** Starts one server process: the system, the HTTP app, the housekeeping timers. */
import type { FastifyInstance } from "fastify";
import type { Config } from "./config.js";
import { sweepExpiredRefunds } from "./core/after-sale.js";
import type { RealClock } from "./core/ports.js";
import { installDevices } from "./devices/index.js";
import { installEventDelivery } from "./events/index.js";
import { EnumerationGuard } from "./gateway/enumeration-guard.js";
import { QrCodec } from "./gateway/qr-codec.js";
import { RateLimiter } from "./gateway/rate-limiter.js";
import { RequestLogWriter } from "./gateway/request-log-writer.js";
import { buildApp } from "./http/app.js";
import type { HttpContext } from "./http/context.js";
import { KyselyGatewayStore } from "./store/gateway-store.js";
import { loadKey, loadToken } from "./store/keys.js";
import { openSystem, type System } from "./system.js";

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly system: System;
  readonly context: HttpContext;
  readonly operatorToken: string;
  readonly operatorTokenPath: string | null;
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
}

/** What the HTTP layer needs besides the system: gateway store, request log, QR codec, limits. */
export function httpContext(
  config: Config,
  system: System,
  dataDir: string | null,
  operatorToken: string,
  onEnumerationAlert?: ConstructorParameters<typeof EnumerationGuard>[3],
): HttpContext {
  const gateway = new KyselyGatewayStore(system.database.db, system.faults, system.cache);
  return {
    system,
    config,
    gateway,
    requestLog: new RequestLogWriter(gateway, () => undefined),
    qr: new QrCodec(loadKey(config.qrKey, dataDir, "qr.key")),
    limiter: new RateLimiter(config.rateLimitPerSecond, system.realClock),
    enumeration: new EnumerationGuard(
      config.missBudgetPerMinute,
      60_000,
      system.realClock,
      onEnumerationAlert,
    ),
    operatorToken,
  };
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const dataDir = opts.memory ? null : config.dataDir;
  const system =
    opts.system ??
    (await openSystem({
      databaseUrl: config.databaseUrl,
      replicaUrl: config.replicaUrl,
      dataDir,
      deadlineMs: config.coreDeadlineMs,
      cancelWindowSeconds: config.cancelWindowSeconds,
      poolSize: config.dbPoolSize,
      ...(opts.realClock ? { realClock: opts.realClock } : {}),
    }));
  try {
    const operator = loadToken(config.operatorToken, dataDir, "operator.token");
    let appLog: FastifyInstance["log"] | undefined;
    const context = httpContext(config, system, dataDir, operator.token, (alert) =>
      appLog?.warn(
        { alert: { app_id: alert.appId, merchant_id: alert.merchantId, misses: alert.misses } },
        "code enumeration suspected: lookups throttled",
      ),
    );
    const app = await buildApp(context, {
      ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
      ...(opts.logStream ? { logStream: opts.logStream } : {}),
    });
    await installDevices(app, context);
    appLog = app.log;
    const events = await installEventDelivery(app, context);
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;

    const housekeeping = setInterval(() => {
      const now = Math.floor(system.realClock.nowMs() / 1000);
      context.gateway.purgeRequestLog(now - config.requestLogDays * 86400).catch(() => undefined);
      context.gateway
        .purgeIdempotencyKeys(system.realClock.nowMs() - 24 * 3600 * 1000)
        .catch(() => undefined);
    }, 3600 * 1000);
    housekeeping.unref();
    // Expired unused vouchers of products that say so refund themselves (apply_source 1).
    const expirySweep = setInterval(() => {
      sweepExpiredRefunds(system.afterSaleDeps).catch((err) =>
        app.log.warn({ err: { message: (err as Error).message } }, "expiry sweep failed"),
      );
    }, 60 * 1000);
    expirySweep.unref();

    return {
      url,
      app,
      system,
      context,
      operatorToken: operator.token,
      operatorTokenPath: operator.path,
      close: async () => {
        clearInterval(housekeeping);
        clearInterval(expirySweep);
        await events.stop();
        await app.close();
        if (!opts.system) await system.close();
      },
    };
  } catch (err) {
    if (!opts.system) await system.close();
    throw err;
  }
}
