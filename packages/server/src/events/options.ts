/**
 * Timings and limits of event delivery, read from the environment at install time (tests may
 * override any of them programmatically).
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `FULFILL_WEBHOOK_BASE_MS` | first retry delay | 1000 |
 * | `FULFILL_WEBHOOK_FACTOR` | growth of the delay per attempt | 2 |
 * | `FULFILL_WEBHOOK_MAX_MS` | cap of one delay | 3600000 (1 h) |
 * | `FULFILL_WEBHOOK_GIVE_UP_MS` | dead-letter after this long since the first attempt | 259200000 (72 h) |
 * | `FULFILL_WEBHOOK_POLL_MS` | relay poll interval | 500 |
 * | `FULFILL_WEBHOOK_TIMEOUT_MS` | a receiver must answer 2xx within this | 5000 |
 * | `FULFILL_WEBHOOK_CONCURRENCY` | deliveries in flight per process | 16 |
 * | `FULFILL_NATS_STREAM` | JetStream stream (created if missing) | `TTLS_FULFILL` |
 * | `FULFILL_NATS_SUBJECT_PREFIX` | prepended to the event type to make the subject | empty |
 * | `FULFILL_NATS_DUPLICATE_WINDOW_MS` | de-duplication window of a stream we create | 600000 (10 min) |
 */
export interface DeliveryOptions {
  readonly baseMs: number;
  readonly factor: number;
  readonly maxMs: number;
  readonly giveUpMs: number;
  /** Share of a delay taken away at random (0..1): the delay is in [d·(1−jitter), d]. */
  readonly jitter: number;
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly concurrency: number;
  /** Rows claimed per round. */
  readonly batchSize: number;
  /** How long a claim holds before another relay may take the row again. */
  readonly leaseMs: number;
  readonly nats: NatsOptions | null;
}

export interface NatsOptions {
  readonly url: string;
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly duplicateWindowMs: number;
  /** How long to wait for a JetStream acknowledgement. */
  readonly ackTimeoutMs: number;
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}`);
  return n;
}

export function deliveryOptionsFromEnv(env: NodeJS.ProcessEnv, natsUrl: string | undefined): DeliveryOptions {
  const timeoutMs = num(env, "FULFILL_WEBHOOK_TIMEOUT_MS", 5000, 1);
  const prefix = env.FULFILL_NATS_SUBJECT_PREFIX ?? "";
  if (prefix !== "" && !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.$/.test(prefix)) {
    throw new Error(
      "FULFILL_NATS_SUBJECT_PREFIX must be dot-separated tokens ending with a dot, e.g. `prod.`",
    );
  }
  return {
    baseMs: num(env, "FULFILL_WEBHOOK_BASE_MS", 1000, 1),
    factor: num(env, "FULFILL_WEBHOOK_FACTOR", 2, 1),
    maxMs: num(env, "FULFILL_WEBHOOK_MAX_MS", 3600 * 1000, 1),
    giveUpMs: num(env, "FULFILL_WEBHOOK_GIVE_UP_MS", 72 * 3600 * 1000, 0),
    jitter: Math.min(1, num(env, "FULFILL_WEBHOOK_JITTER", 0.5, 0)),
    pollMs: num(env, "FULFILL_WEBHOOK_POLL_MS", 500, 1),
    timeoutMs,
    concurrency: Math.max(1, Math.floor(num(env, "FULFILL_WEBHOOK_CONCURRENCY", 16, 1))),
    batchSize: 100,
    leaseMs: timeoutMs + 30_000,
    nats: natsUrl
      ? {
          url: natsUrl,
          stream: env.FULFILL_NATS_STREAM || "TTLS_FULFILL",
          subjectPrefix: prefix,
          duplicateWindowMs: num(env, "FULFILL_NATS_DUPLICATE_WINDOW_MS", 10 * 60 * 1000, 1000),
          ackTimeoutMs: 5000,
        }
      : null,
  };
}

/** The delay before attempt `attempts + 1`, after `attempts` failed ones (≥ 1). */
export function backoffMs(
  o: Pick<DeliveryOptions, "baseMs" | "factor" | "maxMs" | "jitter">,
  attempts: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(o.maxMs, o.baseMs * o.factor ** Math.max(0, attempts - 1));
  return Math.max(1, Math.round(exp * (1 - o.jitter * random())));
}
