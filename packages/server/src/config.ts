/**
 * Configuration by environment (CONTRACT.md section 1a); flags of `main.ts` may override, tests
 * pass overrides. Every variable is read here and named in the README's Configuration section.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  readonly replicaUrl: string | undefined;
  readonly dataDir: string;
  readonly qrKey: string | undefined;
  readonly sandbox: boolean;
  readonly operatorToken: string | undefined;
  readonly natsUrl: string | undefined;
  readonly rateLimitPerSecond: number;
  readonly coreDeadlineMs: number;
  readonly accessTtlSeconds: number;
  readonly refreshTtlSeconds: number;
  readonly qrTtlSeconds: number;
  readonly cancelWindowSeconds: number;
  readonly requestLogDays: number;
  readonly bodyLimitBytes: number;
  /** Unknown typed codes allowed per app and merchant per minute before lookups are throttled. */
  readonly missBudgetPerMinute: number;
  /** PostgreSQL connections of this process (FULFILL_DB_POOL). */
  readonly dbPoolSize: number;
  /** Redis shared by server processes for rate limits and budgets (REDIS_URL); unset: per process. */
  readonly redisUrl: string | undefined;
  /**
   * FULFILL_TRUST_PROXY: addresses (or CIDRs) of the reverse proxies whose X-Forwarded-For is
   * believed for the client address; empty: the socket's peer is the client.
   */
  readonly trustProxy: readonly string[];
  /** Seconds between sweeps of expired tokens, used pairing codes and old idempotency rows. */
  readonly purgeIntervalSeconds: number;
  /** FULFILL_WEBHOOK_ALLOW_LOOPBACK=1: webhook receivers on 127.0.0.0/8 and [::1] allowed (tests, demo). */
  readonly webhookAllowLoopback: boolean;
  /** How long tokens, grants, shops, products and holidays are cached per process (FULFILL_CACHE_MS). */
  readonly cacheMs: number;
  /** FULFILL_SECRET_KEY: base64 of the 32-byte key of client secrets at rest; unset: kept in the data dir. */
  readonly secretKey: string | undefined;
  /** FULFILL_POS_DIR: the built POS; unset: packages/pos/dist beside the server package. */
  readonly posDir: string | undefined;
  /** LOG_LEVEL (pino's levels). */
  readonly logLevel: string;
  /** FULFILL_REDIS_PREFIX: the start of every Redis key of this deployment (tests pass their own). */
  readonly redisKeyPrefix: string;
  /**
   * FULFILL_AUTH_FAILURES: failed credential attempts allowed per key per minute (token endpoint
   * per client_key and address, operator token per address); see the README for the others.
   */
  readonly authFailuresPerMinute: number;
  /**
   * Event delivery (events/options.ts turns these into the relay's options):
   *
   * | variable | meaning | default |
   * |---|---|---|
   * | `FULFILL_WEBHOOK_BASE_MS` | first retry delay | 1000 |
   * | `FULFILL_WEBHOOK_FACTOR` | growth of the delay per attempt | 2 |
   * | `FULFILL_WEBHOOK_MAX_MS` | cap of one delay | 3600000 (1 h) |
   * | `FULFILL_WEBHOOK_JITTER` | share of a delay taken away at random (0..1) | 0.5 |
   * | `FULFILL_WEBHOOK_GIVE_UP_MS` | dead-letter after this long since the first attempt | 259200000 (72 h) |
   * | `FULFILL_WEBHOOK_POLL_MS` | relay poll interval | 500 |
   * | `FULFILL_WEBHOOK_TIMEOUT_MS` | a receiver must answer 2xx within this | 5000 |
   * | `FULFILL_WEBHOOK_CONCURRENCY` | deliveries in flight per process | 16 |
   * | `FULFILL_NATS_STREAM` | JetStream stream (created if missing) | `TTLS_FULFILL` |
   * | `FULFILL_NATS_SUBJECT_PREFIX` | prepended to the event type to make the subject | empty |
   * | `FULFILL_NATS_DUPLICATE_WINDOW_MS` | de-duplication window of a stream we create | 600000 (10 min) |
   */
  readonly webhookBaseMs: number;
  readonly webhookFactor: number;
  readonly webhookMaxMs: number;
  readonly webhookJitter: number;
  readonly webhookGiveUpMs: number;
  readonly webhookPollMs: number;
  readonly webhookTimeoutMs: number;
  readonly webhookConcurrency: number;
  readonly natsStream: string;
  readonly natsSubjectPrefix: string;
  readonly natsDuplicateWindowMs: number;
  /**
   * FULFILL_DB_PREPARED_STATEMENTS=0: hot statements are not named prepared statements (needed
   * behind pgBouncer in transaction mode); default 1 (each connection plans them once).
   */
  readonly dbNamedStatements: boolean;
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
  return n;
}

/** A number of at least `min` (event delivery's timings). */
function atLeast(value: string | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}`);
  return n;
}

function subjectPrefix(value: string | undefined): string {
  const prefix = value ?? "";
  if (prefix !== "" && !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.$/.test(prefix)) {
    throw new Error(
      "FULFILL_NATS_SUBJECT_PREFIX must be dot-separated tokens ending with a dot, e.g. `prod.`",
    );
  }
  return prefix;
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** A 0/1 switch (also false/true). */
function onOff(value: string | undefined, fallback: boolean, name: string): boolean {
  if (value === undefined || value === "") return fallback;
  if (value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  throw new Error(`${name} must be 0 or 1`);
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: int(env.PORT, 8080, "PORT"),
    host: env.HOST || "127.0.0.1",
    databaseUrl: env.DATABASE_URL || undefined,
    replicaUrl: env.DATABASE_REPLICA_URL || undefined,
    dataDir: env.FULFILL_DATA_DIR || "./data",
    qrKey: env.FULFILL_QR_KEY || undefined,
    sandbox: env.FULFILL_SANDBOX === "1" || env.FULFILL_SANDBOX === "true",
    operatorToken: env.FULFILL_OPERATOR_TOKEN || undefined,
    natsUrl: env.NATS_URL || undefined,
    rateLimitPerSecond: int(env.FULFILL_RATE_LIMIT, 50, "FULFILL_RATE_LIMIT"),
    coreDeadlineMs: int(env.FULFILL_CORE_DEADLINE_MS, 3000, "FULFILL_CORE_DEADLINE_MS"),
    accessTtlSeconds: int(env.FULFILL_ACCESS_TTL, 120 * 3600, "FULFILL_ACCESS_TTL"),
    refreshTtlSeconds: int(env.FULFILL_REFRESH_TTL, 365 * 86400, "FULFILL_REFRESH_TTL"),
    qrTtlSeconds: int(env.FULFILL_QR_TTL, 120, "FULFILL_QR_TTL"),
    cancelWindowSeconds: int(env.FULFILL_CANCEL_WINDOW, 3600, "FULFILL_CANCEL_WINDOW"),
    requestLogDays: int(env.FULFILL_REQUEST_LOG_DAYS, 30, "FULFILL_REQUEST_LOG_DAYS"),
    bodyLimitBytes: 64 * 1024,
    missBudgetPerMinute: int(env.FULFILL_MISS_BUDGET, 300, "FULFILL_MISS_BUDGET"),
    dbPoolSize: Math.max(1, int(env.FULFILL_DB_POOL, 10, "FULFILL_DB_POOL")),
    redisUrl: env.REDIS_URL || undefined,
    trustProxy: list(env.FULFILL_TRUST_PROXY),
    purgeIntervalSeconds: Math.max(1, int(env.FULFILL_PURGE_INTERVAL, 3600, "FULFILL_PURGE_INTERVAL")),
    webhookAllowLoopback: env.FULFILL_WEBHOOK_ALLOW_LOOPBACK === "1",
    cacheMs: int(env.FULFILL_CACHE_MS, 1000, "FULFILL_CACHE_MS"),
    secretKey: env.FULFILL_SECRET_KEY || undefined,
    posDir: env.FULFILL_POS_DIR || undefined,
    logLevel: env.LOG_LEVEL || "info",
    redisKeyPrefix: env.FULFILL_REDIS_PREFIX || "fulfill:",
    authFailuresPerMinute: Math.max(1, int(env.FULFILL_AUTH_FAILURES, 10, "FULFILL_AUTH_FAILURES")),
    webhookBaseMs: atLeast(env.FULFILL_WEBHOOK_BASE_MS, 1000, "FULFILL_WEBHOOK_BASE_MS", 1),
    webhookFactor: atLeast(env.FULFILL_WEBHOOK_FACTOR, 2, "FULFILL_WEBHOOK_FACTOR", 1),
    webhookMaxMs: atLeast(env.FULFILL_WEBHOOK_MAX_MS, 3600 * 1000, "FULFILL_WEBHOOK_MAX_MS", 1),
    webhookJitter: Math.min(1, atLeast(env.FULFILL_WEBHOOK_JITTER, 0.5, "FULFILL_WEBHOOK_JITTER", 0)),
    webhookGiveUpMs: atLeast(
      env.FULFILL_WEBHOOK_GIVE_UP_MS,
      72 * 3600 * 1000,
      "FULFILL_WEBHOOK_GIVE_UP_MS",
      0,
    ),
    webhookPollMs: atLeast(env.FULFILL_WEBHOOK_POLL_MS, 500, "FULFILL_WEBHOOK_POLL_MS", 1),
    webhookTimeoutMs: atLeast(env.FULFILL_WEBHOOK_TIMEOUT_MS, 5000, "FULFILL_WEBHOOK_TIMEOUT_MS", 1),
    webhookConcurrency: Math.max(
      1,
      Math.floor(atLeast(env.FULFILL_WEBHOOK_CONCURRENCY, 16, "FULFILL_WEBHOOK_CONCURRENCY", 1)),
    ),
    natsStream: env.FULFILL_NATS_STREAM || "TTLS_FULFILL",
    natsSubjectPrefix: subjectPrefix(env.FULFILL_NATS_SUBJECT_PREFIX),
    natsDuplicateWindowMs: atLeast(
      env.FULFILL_NATS_DUPLICATE_WINDOW_MS,
      10 * 60 * 1000,
      "FULFILL_NATS_DUPLICATE_WINDOW_MS",
      1000,
    ),
    dbNamedStatements: onOff(env.FULFILL_DB_PREPARED_STATEMENTS, true, "FULFILL_DB_PREPARED_STATEMENTS"),
  };
}
