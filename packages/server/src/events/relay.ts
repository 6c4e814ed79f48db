/**
 * The outbox relay, one per server process. Each round:
 *  1. fans out new outbox events (a delivery per recipient app, a publication when NATS is on);
 *  2. publishes unpublished events to NATS JetStream (its own task, so a slow NATS never
 *     holds up webhooks);
 *  3. claims due deliveries up to the free concurrency and sends them, each on its own; when
 *     one finishes the relay is nudged, so the next event of that shop order goes at once.
 * Rounds run every `pollMs` and on `nudge()`. Nothing here throws out: a failing receiver,
 * NATS or database is logged (rate-limited) and retried. `stop()` aborts what is in flight,
 * gives the claims back, and leaves no timer behind.
 */
import { randomUUID } from "node:crypto";
import type { RealClock } from "../core/ports.js";
import type { SecretBox } from "../security/secret-box.js";
import type { NatsPublisher } from "./nats.js";
import { backoffMs, type DeliveryOptions } from "./options.js";
import type { ClaimedDelivery, EventOutbox } from "./ports.js";
import {
  postWebhook,
  type SendOutcome,
  systemTransport,
  type WebhookTransport,
  webhookBody,
  webhookSignature,
} from "./webhook.js";

/** The dead-letter cause of a delivery whose app lost its grant before it was sent. */
export const GRANT_REVOKED = "grant_revoked";

/** The least time between two rounds started by nudges (ms). */
const NUDGE_GAP_MS = 50;

export interface RelayLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RelayDeps {
  readonly store: EventOutbox;
  readonly secrets: Pick<SecretBox, "open">;
  readonly realClock: RealClock;
  readonly options: DeliveryOptions;
  readonly log: RelayLogger;
  readonly publisher?: NatsPublisher | null;
  /** How webhooks are sent; default: the system resolver, pinned node:http(s), no loopback. */
  readonly transport?: WebhookTransport;
}

/** What one round did (tests drive rounds with `runOnce`). */
export interface RoundResult {
  fannedOut: number;
  claimed: number;
}

export class EventRelay {
  /** This relay's name on the leases it takes. */
  readonly owner = `relay-${randomUUID()}`;
  readonly #deps: RelayDeps;
  readonly #abort = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | null = null;
  #round: Promise<void> | null = null;
  #publishing: Promise<void> | null = null;
  #again = false;
  #lastEnd = 0;
  #nextAt = 0;
  #started = false;
  #stopped = false;
  readonly #lastWarn = new Map<string, number>();

  readonly #transport: WebhookTransport;

  constructor(deps: RelayDeps) {
    this.#deps = deps;
    this.#transport = deps.transport ?? systemTransport(false);
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#schedule(0);
  }

  /** Run a round as soon as possible (something was committed, a delivery finished, a replay). */
  nudge(): void {
    if (!this.#started || this.#stopped) return;
    if (this.#round) {
      this.#again = true;
      return;
    }
    // Under load every request nudges: rounds then follow each other at most every NUDGE_GAP_MS
    // instead of back to back, so the relay's own queries stay a small share of the database's work.
    if (this.#timer && this.#nextAt <= Date.now() + NUDGE_GAP_MS) return;
    this.#schedule(Math.max(0, this.#lastEnd + NUDGE_GAP_MS - Date.now()));
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#abort.abort();
    await this.#round?.catch(() => undefined);
    await Promise.allSettled([...this.#inFlight]);
    await this.#publishing?.catch(() => undefined);
    await this.#deps.publisher?.close().catch(() => undefined);
  }

  /** One round, awaited to the end, deliveries and publishing included (tests). */
  async runOnce(): Promise<RoundResult> {
    const r = await this.#roundBody();
    await Promise.allSettled([...this.#inFlight]);
    await this.#publishing?.catch(() => undefined);
    return r;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#nextAt = Date.now() + delayMs;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#tick();
    }, delayMs);
    this.#timer.unref();
  }

  #tick(): void {
    if (this.#stopped) return;
    if (this.#round) {
      this.#again = true;
      return;
    }
    this.#again = false;
    this.#round = this.#roundBody()
      .then(
        () => undefined,
        (err) => this.#warn("round", err, "event relay round failed"),
      )
      .finally(() => {
        this.#round = null;
        this.#lastEnd = Date.now();
        const again = this.#again;
        this.#again = false;
        this.#schedule(again ? NUDGE_GAP_MS : this.#deps.options.pollMs);
      });
  }

  async #roundBody(): Promise<RoundResult> {
    const { store, options, realClock, publisher } = this.#deps;
    let fannedOut = 0;
    try {
      for (let i = 0; i < 20 && !this.#stopped; i++) {
        const r = await store.fanOut(realClock.nowMs(), options.batchSize, Boolean(publisher));
        fannedOut += r.events;
        if (r.events < options.batchSize) break;
      }
    } catch (err) {
      this.#warn("fanout", err, "event fan-out failed; retrying");
    }

    if (publisher && !this.#publishing && !this.#stopped) {
      this.#publishing = this.#publish(publisher)
        .catch((err) => this.#warn("publish", err, "NATS publishing failed; retrying"))
        .finally(() => {
          this.#publishing = null;
        });
    }

    let claimed = 0;
    const free = options.concurrency - this.#inFlight.size;
    if (free > 0 && !this.#stopped) {
      try {
        const batch = await store.claimDeliveries(
          this.owner,
          realClock.nowMs(),
          options.leaseMs,
          Math.min(free, options.batchSize),
        );
        claimed = batch.length;
        for (const d of batch) this.#launch(d);
      } catch (err) {
        this.#warn("claim", err, "claiming webhook deliveries failed; retrying");
      }
    }
    return { fannedOut, claimed };
  }

  #launch(d: ClaimedDelivery): void {
    const p: Promise<void> = this.#deliver(d)
      .catch((err) =>
        this.#warn(
          "deliver",
          err,
          "recording a webhook attempt failed; the claim will expire and it is sent again",
        ),
      )
      .finally(() => {
        this.#inFlight.delete(p);
        this.nudge();
      });
    this.#inFlight.add(p);
  }

  async #deliver(d: ClaimedDelivery): Promise<void> {
    const { store, options, realClock, secrets, log } = this.#deps;
    const key = { eventId: d.eventId, appId: d.appId };
    const startedAt = realClock.nowMs();
    const firstAttemptAt = d.firstAttemptAt ?? startedAt;
    let outcome: SendOutcome;
    if (this.#stopped) {
      await store.releaseDelivery(key, this.owner);
      return;
    }
    if (d.event && d.app && !d.grantLive) {
      // Revoked since the commit: the app no longer may see the event, so it is never sent.
      await store.markDead(key, this.owner, realClock.nowMs(), GRANT_REVOKED);
      log.info(
        { event_id: d.eventId, client_key: d.app?.clientKey, cause: GRANT_REVOKED },
        "webhook delivery dead-lettered unsent: the app's grant was revoked",
      );
      return;
    }
    if (!d.event || !d.app) {
      outcome = {
        ok: false,
        status: null,
        error: d.event ? "the app no longer exists" : "the event no longer exists",
        aborted: false,
      };
    } else if (!d.app.webhookUrl) {
      outcome = { ok: false, status: null, error: "the app has no webhook_url", aborted: false };
    } else {
      let secret: string | null = null;
      try {
        secret = secrets.open(d.app.clientSecretEnc);
      } catch {
        secret = null;
      }
      if (secret === null) {
        outcome = {
          ok: false,
          status: null,
          error: "the app's client secret cannot be opened",
          aborted: false,
        };
      } else {
        const body = webhookBody(d.app.clientKey, { eventId: d.eventId, ...d.event });
        const signature = webhookSignature(secret, Math.floor(realClock.nowMs() / 1000), body);
        outcome = await postWebhook(
          d.app.webhookUrl,
          body,
          signature,
          options.timeoutMs,
          this.#abort.signal,
          this.#transport,
        );
      }
    }

    const now = realClock.nowMs();
    if (outcome.ok) {
      await store.markDelivered(key, this.owner, now, firstAttemptAt, outcome.status);
      log.debug(
        { event_id: d.eventId, client_key: d.app?.clientKey, status: outcome.status },
        "webhook delivered",
      );
      return;
    }
    if (outcome.aborted) {
      await store.releaseDelivery(key, this.owner);
      return;
    }
    const attempts = d.attempts + 1;
    const deadline = firstAttemptAt + options.giveUpMs;
    const next = now >= deadline ? null : Math.min(now + backoffMs(options, attempts), deadline);
    await store.markFailed(key, this.owner, {
      nowMs: now,
      firstAttemptAt,
      status: outcome.status,
      error: outcome.error,
      nextAttemptAt: next,
    });
    const fields = {
      event_id: d.eventId,
      event: d.event?.eventType,
      client_key: d.app?.clientKey,
      attempts,
      error: outcome.error,
    };
    if (next === null) log.warn(fields, "webhook delivery gave up: dead-lettered");
    else if (!outcome.ok && outcome.refused)
      log.warn({ ...fields, retry_in_ms: next - now }, "webhook send refused before connecting");
    else log.debug({ ...fields, retry_in_ms: next - now }, "webhook attempt failed");
  }

  async #publish(publisher: NatsPublisher): Promise<void> {
    const { store, options, realClock } = this.#deps;
    if (!(await publisher.ready())) return;
    for (let i = 0; i < 20 && !this.#stopped; i++) {
      const batch = await store.claimPublications(
        this.owner,
        realClock.nowMs(),
        options.leaseMs,
        options.batchSize,
      );
      if (batch.length === 0) return;
      // One connection keeps the order of publishes, so they can all be in flight at once.
      const results = await Promise.allSettled(batch.map((p) => publisher.publish(p)));
      let failed = 0;
      for (const [i, r] of results.entries()) {
        const p = batch[i];
        if (!p) continue;
        if (r.status === "fulfilled") {
          await store.markPublished(p.eventId, this.owner, realClock.nowMs(), r.value.seq);
        } else {
          failed += 1;
          const retryAt = realClock.nowMs() + Math.min(30_000, backoffMs(options, p.attempts + 1));
          await store.markPublishFailed(
            p.eventId,
            this.owner,
            (r.reason as Error)?.message ?? String(r.reason),
            retryAt,
          );
        }
      }
      if (failed > 0) {
        const first = results.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
        this.#warn("publish", first?.reason, `NATS publish failed for ${failed} event(s); retrying`);
        return;
      }
      if (batch.length < options.batchSize) return;
    }
  }

  /** Logs a failure at most once per 10 s per kind, so an outage does not flood the log. */
  #warn(kind: string, err: unknown, msg: string): void {
    const now = this.#deps.realClock.nowMs();
    const last = this.#lastWarn.get(kind) ?? Number.NEGATIVE_INFINITY;
    if (now - last < 10_000) return;
    this.#lastWarn.set(kind, now);
    const e = err as { message?: string; code?: string } | undefined;
    this.#deps.log.warn({ err: { message: e?.message ?? String(err), code: e?.code } }, msg);
  }
}
