/**
 * Event delivery (CONTRACT.md section 8): the outbox relay to webhooks and NATS JetStream, the
 * dead-letter list and replay. Installed into the HTTP app by server.ts.
 *
 * Every committed state change leaves one row in `outbox`. The relay of each server process
 * fans those rows out to webhook deliveries (one per recipient the committing statement wrote on
 * the row: store/event-recipients.ts) and, with `NATS_URL`, to JetStream publications; then sends them
 * at least once, in event order per (app, shop order), with exponential backoff and jitter,
 * dead-lettering a delivery after the give-up time, or at once, unsent, when the app's grant was
 * revoked meanwhile. Sends are pinned to checked addresses (webhook-target.ts). See relay.ts and
 * store/event-store.ts.
 */
import type { FastifyInstance } from "fastify";
import type { HttpContext } from "../http/context.js";
import { EventStore } from "../store/event-store.js";
import { NatsPublisher } from "./nats.js";
import { type DeliveryOptions, deliveryOptionsFromEnv } from "./options.js";
import { EventRelay } from "./relay.js";
import { eventRoutes } from "./routes.js";
import { systemTransport } from "./webhook.js";

export { type DeliveryOptions, deliveryOptionsFromEnv } from "./options.js";
export { EventRelay } from "./relay.js";

export interface EventDelivery {
  readonly relay: EventRelay;
  readonly options: DeliveryOptions;
  stop(): Promise<void>;
}

export interface EventDeliveryOverrides extends Partial<DeliveryOptions> {
  /** Do not start the background loop (tests drive `relay.runOnce()`). */
  readonly manual?: boolean;
}

export async function installEventDelivery(
  app: FastifyInstance,
  ctx: HttpContext,
  overrides: EventDeliveryOverrides = {},
): Promise<EventDelivery> {
  const { manual, ...rest } = overrides;
  const options: DeliveryOptions = { ...deliveryOptionsFromEnv(process.env, ctx.config.natsUrl), ...rest };
  const store = new EventStore(ctx.system.database.db);
  const log = app.log.child({ component: "events" });
  const publisher = options.nats
    ? new NatsPublisher(options.nats, log, () => ctx.system.realClock.nowMs())
    : null;
  const relay = new EventRelay({
    store,
    secrets: ctx.system.secrets,
    realClock: ctx.system.realClock,
    options,
    log,
    publisher,
    transport: systemTransport(ctx.config.webhookAllowLoopback),
  });

  eventRoutes(app, ctx, store, () => relay.nudge());
  // A request that may have committed a change wakes the relay at once; other processes' changes are found by polling.
  app.addHook("onResponse", async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD" && request.method !== "OPTIONS") relay.nudge();
  });
  app.addHook("onClose", async () => relay.stop());

  // The loop starts once the server listens (a server that fails to start leaves nothing running).
  if (!manual) app.addHook("onListen", async () => relay.start());
  return { relay, options, stop: () => relay.stop() };
}
