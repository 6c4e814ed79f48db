/**
 * Configuration by environment (CONTRACT.md section 1a); flags of `main.ts` may override, tests
 * pass overrides. Every variable is read here and named in the README's Configuration section.
 *
 * One TypeBox schema (ENV_SCHEMA) says what each variable may hold; the environment is checked
 * against it before anything is opened, and every problem is reported at once, naming the
 * variable, what it held and the form it needs (a ConfigError; main.ts exits 2 on it).
 */
import { type Static, Type } from "typebox";
import { Value } from "typebox/value";

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  readonly replicaUrl: string | undefined;
  readonly dataDir: string;
  readonly qrKey: string | undefined;
  /** FULFILL_QR_KEY_PREVIOUS: during a rotation, QRs sealed under it still open (README, Keys). */
  readonly qrKeyPrevious: string | undefined;
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
  /** FULFILL_SECRET_KEY_PREVIOUS: during a rotation, secrets sealed under it still open (README, Keys). */
  readonly secretKeyPrevious: string | undefined;
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
   * FULFILL_SHUTDOWN_GRACE_MS: on SIGTERM/SIGINT, how long in-flight requests, the request-log
   * batch and the relay's deliveries get to finish before the process exits anyway.
   */
  readonly shutdownGraceMs: number;
  /**
   * FULFILL_DB_PREPARED_STATEMENTS=0: hot statements are not named prepared statements (needed
   * behind pgBouncer in transaction mode); default 1 (each connection plans them once).
   */
  readonly dbNamedStatements: boolean;
}

/** A configuration the process cannot start with: every problem, each naming its variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

// The forms, named once: each `description` is what an error message says is expected.
const count = (description: string, minimum = 0) => Type.Optional(Type.Number({ minimum, description }));
const whole = (description: string, minimum: number, maximum = Number.MAX_SAFE_INTEGER) =>
  Type.Optional(Type.Integer({ minimum, maximum, description }));
const url = (schemes: string, description: string) =>
  Type.Optional(Type.String({ format: "uri", pattern: `^(${schemes})://`, description }));
const flag = (description: string) => Type.Optional(Type.Boolean({ description }));
const text = (description: string, pattern = "^.+$") => Type.Optional(Type.String({ pattern, description }));
/** base64 (or base64url) of 32 bytes: 43 characters, then `=` or nothing. */
const KEY_32 = "^[A-Za-z0-9+/_-]{43}=?$";
const ADDRESS_LIST = "^[0-9A-Fa-f.:/]+(,\\s*[0-9A-Fa-f.:/]+)*$";

/** What every variable may hold (unset and empty mean the default). */
export const ENV_SCHEMA = Type.Object({
  PORT: whole("a TCP port, an integer 0..65535", 0, 65535),
  HOST: text("a listen address (an IP address or host name)", "^[A-Za-z0-9._:\\-]+$"),
  DATABASE_URL: url("postgres|postgresql", "a PostgreSQL URL, postgres://user@host:5432/db"),
  DATABASE_REPLICA_URL: url("postgres|postgresql", "a PostgreSQL URL, postgres://user@host:5432/db"),
  FULFILL_DATA_DIR: text("a folder path"),
  FULFILL_QR_KEY: text("base64 of 32 bytes (e.g. `openssl rand -base64 32`)", KEY_32),
  FULFILL_SECRET_KEY: text("base64 of 32 bytes (e.g. `openssl rand -base64 32`)", KEY_32),
  FULFILL_QR_KEY_PREVIOUS: text("base64 of 32 bytes (the QR key being replaced)", KEY_32),
  FULFILL_SECRET_KEY_PREVIOUS: text("base64 of 32 bytes (the secret key being replaced)", KEY_32),
  FULFILL_SANDBOX: flag("1, true, 0 or false"),
  FULFILL_OPERATOR_TOKEN: text("a token of printable characters, no spaces", "^[\\x21-\\x7e]+$"),
  NATS_URL: text("NATS server URLs, nats://host:4222 (comma-separated)", "^(nats|tls|ws|wss)://[^\\s]+$"),
  FULFILL_RATE_LIMIT: count("requests per second, a number ≥ 0"),
  FULFILL_CORE_DEADLINE_MS: count("milliseconds, a number ≥ 0"),
  FULFILL_ACCESS_TTL: count("seconds, a number ≥ 0"),
  FULFILL_REFRESH_TTL: count("seconds, a number ≥ 0"),
  FULFILL_QR_TTL: count("seconds, a number ≥ 0"),
  FULFILL_CANCEL_WINDOW: count("seconds, a number ≥ 0"),
  FULFILL_REQUEST_LOG_DAYS: count("days, a number ≥ 0"),
  FULFILL_MISS_BUDGET: count("lookups per minute, a number ≥ 0"),
  FULFILL_DB_POOL: whole("connections, an integer ≥ 1", 1),
  REDIS_URL: url("redis|rediss", "a Redis URL, redis://host:6379"),
  FULFILL_TRUST_PROXY: text("comma-separated IP addresses or CIDRs, e.g. 10.0.0.0/8,127.0.0.1", ADDRESS_LIST),
  FULFILL_PURGE_INTERVAL: count("seconds, a number ≥ 1", 1),
  FULFILL_WEBHOOK_ALLOW_LOOPBACK: flag("1, true, 0 or false"),
  FULFILL_CACHE_MS: count("milliseconds, a number ≥ 0"),
  FULFILL_POS_DIR: text("a folder path"),
  LOG_LEVEL: text(
    "one of fatal, error, warn, info, debug, trace, silent",
    "^(fatal|error|warn|info|debug|trace|silent)$",
  ),
  FULFILL_REDIS_PREFIX: text("a key prefix, e.g. fulfill:"),
  FULFILL_AUTH_FAILURES: count("attempts per minute, a number ≥ 1", 1),
  FULFILL_WEBHOOK_BASE_MS: count("milliseconds, a number ≥ 1", 1),
  FULFILL_WEBHOOK_FACTOR: count("a number ≥ 1", 1),
  FULFILL_WEBHOOK_MAX_MS: count("milliseconds, a number ≥ 1", 1),
  FULFILL_WEBHOOK_JITTER: Type.Optional(
    Type.Number({ minimum: 0, maximum: 1, description: "a share, 0..1" }),
  ),
  FULFILL_WEBHOOK_GIVE_UP_MS: count("milliseconds, a number ≥ 0"),
  FULFILL_WEBHOOK_POLL_MS: count("milliseconds, a number ≥ 1", 1),
  FULFILL_WEBHOOK_TIMEOUT_MS: count("milliseconds, a number ≥ 1", 1),
  FULFILL_WEBHOOK_CONCURRENCY: whole("deliveries, an integer ≥ 1", 1),
  FULFILL_NATS_STREAM: text("a JetStream stream name", "^[A-Za-z0-9_-]+$"),
  FULFILL_NATS_SUBJECT_PREFIX: text(
    "dot-separated tokens ending with a dot, e.g. `prod.`",
    "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.$",
  ),
  FULFILL_NATS_DUPLICATE_WINDOW_MS: count("milliseconds, a number ≥ 1000", 1000),
  FULFILL_SHUTDOWN_GRACE_MS: whole("milliseconds, an integer ≥ 0", 0),
  FULFILL_DB_PREPARED_STATEMENTS: flag("1, true, 0 or false"),
});

export type Env = Static<typeof ENV_SCHEMA>;

/** Shown in an error: what the variable held, secrets never (only their length). */
function shown(name: string, raw: string): string {
  const secret = /KEY|TOKEN/.test(name) || /URL/.test(name);
  if (!secret) return `'${raw.slice(0, 100)}'`;
  if (/URL/.test(name)) return `'${raw.replace(/\/\/[^@/]*@/, "//***@").slice(0, 100)}'`;
  return `(${raw.length} characters)`;
}

/**
 * The environment checked against ENV_SCHEMA and converted (numbers, flags): a ConfigError
 * naming every variable that does not fit. Empty values count as unset.
 */
export function checkedEnv(env: NodeJS.ProcessEnv): Env {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(ENV_SCHEMA.properties)) {
    const value = env[name];
    if (value !== undefined && value !== "") raw[name] = value;
  }
  const converted = Value.Convert(ENV_SCHEMA, { ...raw }) as Record<string, unknown>;
  const problems = new Map<string, string>();
  for (const error of Value.Errors(ENV_SCHEMA, converted)) {
    const name = error.instancePath.replace(/^\//, "");
    if (problems.has(name)) continue;
    const schema = (ENV_SCHEMA.properties as Record<string, { description?: string }>)[name];
    problems.set(
      name,
      `${name}=${shown(name, raw[name] ?? "")}: expected ${schema?.description ?? error.message}`,
    );
  }
  if (problems.size > 0) throw new ConfigError([...problems.values()]);
  return converted as Env;
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Outside the sandbox secrets must be at least this long (the operator token; README). */
export const MIN_SECRET_CHARS = 32;

export function configFromEnv(source: NodeJS.ProcessEnv = process.env): Config {
  const env = checkedEnv(source);
  const sandbox = env.FULFILL_SANDBOX ?? false;
  if (
    !sandbox &&
    env.FULFILL_OPERATOR_TOKEN !== undefined &&
    env.FULFILL_OPERATOR_TOKEN.length < MIN_SECRET_CHARS
  ) {
    throw new ConfigError([
      `FULFILL_OPERATOR_TOKEN=${shown("FULFILL_OPERATOR_TOKEN", env.FULFILL_OPERATOR_TOKEN)}: expected at least ${MIN_SECRET_CHARS} characters outside the sandbox`,
    ]);
  }
  return {
    port: env.PORT ?? 8080,
    host: env.HOST ?? "127.0.0.1",
    databaseUrl: env.DATABASE_URL,
    replicaUrl: env.DATABASE_REPLICA_URL,
    dataDir: env.FULFILL_DATA_DIR ?? "./data",
    qrKey: env.FULFILL_QR_KEY,
    qrKeyPrevious: env.FULFILL_QR_KEY_PREVIOUS,
    sandbox,
    operatorToken: env.FULFILL_OPERATOR_TOKEN,
    natsUrl: env.NATS_URL,
    rateLimitPerSecond: env.FULFILL_RATE_LIMIT ?? 50,
    coreDeadlineMs: env.FULFILL_CORE_DEADLINE_MS ?? 3000,
    accessTtlSeconds: env.FULFILL_ACCESS_TTL ?? 120 * 3600,
    refreshTtlSeconds: env.FULFILL_REFRESH_TTL ?? 365 * 86400,
    qrTtlSeconds: env.FULFILL_QR_TTL ?? 120,
    cancelWindowSeconds: env.FULFILL_CANCEL_WINDOW ?? 3600,
    requestLogDays: env.FULFILL_REQUEST_LOG_DAYS ?? 30,
    bodyLimitBytes: 64 * 1024,
    missBudgetPerMinute: env.FULFILL_MISS_BUDGET ?? 300,
    dbPoolSize: env.FULFILL_DB_POOL ?? 10,
    redisUrl: env.REDIS_URL,
    trustProxy: list(env.FULFILL_TRUST_PROXY),
    purgeIntervalSeconds: env.FULFILL_PURGE_INTERVAL ?? 3600,
    webhookAllowLoopback: env.FULFILL_WEBHOOK_ALLOW_LOOPBACK ?? false,
    cacheMs: env.FULFILL_CACHE_MS ?? 1000,
    secretKey: env.FULFILL_SECRET_KEY,
    secretKeyPrevious: env.FULFILL_SECRET_KEY_PREVIOUS,
    posDir: env.FULFILL_POS_DIR,
    logLevel: env.LOG_LEVEL ?? "info",
    redisKeyPrefix: env.FULFILL_REDIS_PREFIX ?? "fulfill:",
    authFailuresPerMinute: env.FULFILL_AUTH_FAILURES ?? 10,
    webhookBaseMs: env.FULFILL_WEBHOOK_BASE_MS ?? 1000,
    webhookFactor: env.FULFILL_WEBHOOK_FACTOR ?? 2,
    webhookMaxMs: env.FULFILL_WEBHOOK_MAX_MS ?? 3600 * 1000,
    webhookJitter: env.FULFILL_WEBHOOK_JITTER ?? 0.5,
    webhookGiveUpMs: env.FULFILL_WEBHOOK_GIVE_UP_MS ?? 72 * 3600 * 1000,
    webhookPollMs: env.FULFILL_WEBHOOK_POLL_MS ?? 500,
    webhookTimeoutMs: env.FULFILL_WEBHOOK_TIMEOUT_MS ?? 5000,
    webhookConcurrency: env.FULFILL_WEBHOOK_CONCURRENCY ?? 16,
    natsStream: env.FULFILL_NATS_STREAM ?? "TTLS_FULFILL",
    natsSubjectPrefix: env.FULFILL_NATS_SUBJECT_PREFIX ?? "",
    natsDuplicateWindowMs: env.FULFILL_NATS_DUPLICATE_WINDOW_MS ?? 10 * 60 * 1000,
    shutdownGraceMs: env.FULFILL_SHUTDOWN_GRACE_MS ?? 10_000,
    dbNamedStatements: env.FULFILL_DB_PREPARED_STATEMENTS ?? true,
  };
}
