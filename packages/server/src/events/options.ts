/**
 * Timings and limits of event delivery, from the configuration (config.ts reads and documents
 * the variables; tests pass their own values as config overrides).
 */
import type { Config } from "../config.js";

/** The settings of config.ts that event delivery reads. */
export type DeliveryConfig = Pick<
  Config,
  | "natsUrl"
  | "webhookBaseMs"
  | "webhookFactor"
  | "webhookMaxMs"
  | "webhookJitter"
  | "webhookGiveUpMs"
  | "webhookPollMs"
  | "webhookTimeoutMs"
  | "webhookConcurrency"
  | "natsStream"
  | "natsSubjectPrefix"
  | "natsDuplicateWindowMs"
>;

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

export function deliveryOptions(c: DeliveryConfig): DeliveryOptions {
  return {
    baseMs: c.webhookBaseMs,
    factor: c.webhookFactor,
    maxMs: c.webhookMaxMs,
    giveUpMs: c.webhookGiveUpMs,
    jitter: c.webhookJitter,
    pollMs: c.webhookPollMs,
    timeoutMs: c.webhookTimeoutMs,
    concurrency: c.webhookConcurrency,
    batchSize: 100,
    leaseMs: c.webhookTimeoutMs + 30_000,
    nats: c.natsUrl
      ? {
          url: c.natsUrl,
          stream: c.natsStream,
          subjectPrefix: c.natsSubjectPrefix,
          duplicateWindowMs: c.natsDuplicateWindowMs,
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
