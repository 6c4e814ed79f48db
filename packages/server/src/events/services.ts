/**
 * The event-delivery services of one server process: the operator's dead-letter list and
 * replay, the support view of a shop order's events, and the relay's life (started once the
 * server listens, nudged when something may have been committed, stopped on close). Bound to
 * the store's ports in the composition root.
 */
import { pageOf } from "../core/page.js";
import type { RealClock } from "../core/ports.js";
import { fail, ok, type Result } from "../core/result.js";
import type { SecretBox } from "../security/secret-box.js";
import { NatsPublisher } from "./nats.js";
import type { DeliveryOptions } from "./options.js";
import type { DeadLetter, EventOutbox, EventSupport, EventView } from "./ports.js";
import { EventRelay, type RelayLogger } from "./relay.js";
import type { WebhookTransport } from "./webhook.js";

export interface DeadLetterQuery {
  readonly clientKey?: string | undefined;
  readonly shopOrderId?: string | undefined;
  readonly merchantId?: string | undefined;
  /** At most 100; default 50. */
  readonly limit?: number | undefined;
  /** `<event_id>.<app_id>` of the last dead letter of the page before. */
  readonly cursor?: string | undefined;
}

export interface DeadLetterPage {
  readonly deadLetters: readonly DeadLetter[];
  readonly hasMore: boolean;
  /** Where the next page starts; null on the last page. */
  readonly cursor: string | null;
}

export interface EventServices {
  deadLetters(query: DeadLetterQuery): Promise<DeadLetterPage>;
  /** Back to pending with a fresh attempt budget; the client keys replayed, or `not_found`. */
  replay(eventId: string, clientKey: string | null): Promise<Result<readonly string[]>>;
  /** At most 200. */
  eventsOfShopOrder(shopOrderId: string, limit?: number): Promise<readonly EventView[]>;
  /** Starts this process's relay, logging to `log` (once the server listens). */
  start(log: RelayLogger): void;
  /** Something may have been committed: the relay runs a round soon. */
  nudge(): void;
  stop(): Promise<void>;
}

export interface EventDeliveryDeps {
  readonly store: EventOutbox & EventSupport;
  readonly secrets: Pick<SecretBox, "open">;
  readonly realClock: RealClock;
  readonly options: DeliveryOptions;
  /** How webhooks are sent (the loopback allowance of the configuration). */
  readonly transport: WebhookTransport;
}

export function eventServices(deps: EventDeliveryDeps): EventServices {
  const { store, realClock, options } = deps;
  let relay: EventRelay | null = null;
  let stopped = false;
  return {
    async deadLetters(q) {
      const limit = Math.min(100, q.limit ?? 50);
      const [eventId, appId] = q.cursor ? q.cursor.split(".") : [];
      const rows = await store.deadLetters({
        clientKey: q.clientKey,
        shopOrderId: q.shopOrderId,
        merchantId: q.merchantId,
        after: eventId && appId ? { eventId, appId } : undefined,
        limit: limit + 1,
      });
      const { items, hasMore, cursor } = pageOf(rows, limit, (d) => `${d.eventId}.${d.appId}`);
      return { deadLetters: items, hasMore, cursor };
    },
    async replay(eventId, clientKey) {
      const replayed = await store.replay(eventId, clientKey, realClock.nowMs());
      if (replayed.length === 0)
        return fail("not_found", "no dead letter", { message: "no dead-lettered delivery of this event" });
      relay?.nudge();
      return ok(replayed);
    },
    eventsOfShopOrder: (shopOrderId, limit) =>
      store.eventsOfShopOrder(shopOrderId, Math.min(200, limit ?? 200)),
    start(log) {
      if (relay || stopped) return;
      const publisher = options.nats ? new NatsPublisher(options.nats, log, () => realClock.nowMs()) : null;
      relay = new EventRelay({ ...deps, log, publisher });
      relay.start();
    },
    nudge: () => relay?.nudge(),
    async stop() {
      stopped = true;
      await relay?.stop();
    },
  };
}
