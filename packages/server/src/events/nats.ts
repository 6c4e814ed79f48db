/**
 * Publishing outbox events to NATS JetStream: one message per event on the subject
 * `<prefix><event type>`, with the JetStream message id = event id, so JetStream drops a
 * re-publish within the stream's duplicate window. The stream is created when missing.
 * The connection is (re)made lazily; a NATS outage never throws out of `ready()`.
 */
import { JetStreamApiError, type JetStreamClient, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection, nanos } from "@nats-io/transport-node";
import type { NatsOptions } from "./options.js";
import type { ClaimedPublication } from "./ports.js";
import { CALLER } from "./webhook.js";

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** What a consumer of the stream receives (JSON). `content` is the event's content object. */
export function natsPayload(p: ClaimedPublication): string {
  return JSON.stringify({
    event_id: p.eventId,
    event: p.eventType,
    create_time: p.createTime,
    merchant_id: p.merchantId,
    shop_order_id: p.shopOrderId,
    app_id: p.appId,
    user_id: p.userId,
    content: p.content,
    caller: CALLER,
  });
}

export class NatsPublisher {
  #nc: NatsConnection | null = null;
  #js: JetStreamClient | null = null;
  #failures = 0;
  #retryAt = 0;
  #closed = false;

  constructor(
    readonly options: NatsOptions,
    readonly log: Logger,
    readonly nowMs: () => number,
  ) {}

  subject(eventType: string): string {
    return `${this.options.subjectPrefix}${eventType}`;
  }

  get streamSubjects(): string {
    return `${this.options.subjectPrefix}ttls.fulfill.>`;
  }

  /** Connected with the stream in place; tries to (re)connect, at most once per back-off step. */
  async ready(): Promise<boolean> {
    if (this.#closed) return false;
    if (this.#nc && !this.#nc.isClosed() && this.#js) return true;
    if (this.nowMs() < this.#retryAt) return false;
    try {
      await this.#connect();
      if (this.#failures > 0) this.log.info({ stream: this.options.stream }, "NATS connected");
      this.#failures = 0;
      return true;
    } catch (err) {
      this.#failures += 1;
      this.#retryAt = this.nowMs() + Math.min(30_000, 500 * 2 ** Math.min(this.#failures, 6));
      await this.#drop();
      if (this.#failures === 1 || this.#failures % 10 === 0) {
        this.log.warn(
          { err: { message: (err as Error).message }, failures: this.#failures },
          "NATS unavailable; events wait for it",
        );
      }
      return false;
    }
  }

  async #connect(): Promise<void> {
    await this.#drop();
    const nc = await connect({
      servers: this.options.url,
      name: "ttls-fulfill",
      timeout: 3000,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
    });
    if (this.#closed) {
      await nc.close().catch(() => undefined);
      throw new Error("publisher closed");
    }
    this.#nc = nc;
    const jsm = await jetstreamManager(nc, { timeout: this.options.ackTimeoutMs });
    try {
      const info = await jsm.streams.info(this.options.stream);
      if (!info.config.subjects?.includes(this.streamSubjects)) {
        this.log.warn(
          { stream: this.options.stream, subjects: info.config.subjects, want: this.streamSubjects },
          "the NATS stream does not list the event subjects",
        );
      }
    } catch (err) {
      if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NOT_FOUND) throw err;
      try {
        await jsm.streams.add({
          name: this.options.stream,
          subjects: [this.streamSubjects],
          duplicate_window: nanos(this.options.duplicateWindowMs),
        });
        this.log.info(
          { stream: this.options.stream, subjects: [this.streamSubjects] },
          "NATS stream created",
        );
      } catch (e) {
        // Another process created it at the same time.
        if (!(e instanceof JetStreamApiError) || e.code !== STREAM_NAME_IN_USE) throw e;
      }
    }
    this.#js = jetstream(nc, { timeout: this.options.ackTimeoutMs });
  }

  /** Publishes one event; resolves with the stream sequence once JetStream acknowledged it (also when a duplicate). */
  async publish(p: ClaimedPublication): Promise<{ seq: number; duplicate: boolean }> {
    const js = this.#js;
    if (!js || !this.#nc || this.#nc.isClosed()) throw new Error("NATS not connected");
    const ack = await js.publish(this.subject(p.eventType), natsPayload(p), {
      msgID: p.eventId,
      timeout: this.options.ackTimeoutMs,
    });
    return { seq: ack.seq, duplicate: ack.duplicate };
  }

  async #drop(): Promise<void> {
    const nc = this.#nc;
    this.#nc = null;
    this.#js = null;
    if (nc && !nc.isClosed()) await nc.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#drop();
  }
}
