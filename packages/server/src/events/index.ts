/**
 * Event delivery (CONTRACT.md section 8): the outbox relay to webhooks and NATS JetStream, the
 * dead-letter list and replay. The composition root binds `eventServices` to the store's ports;
 * http/events.ts installs its routes and the relay's life into the HTTP app.
 *
 * Every committed state change leaves one row in `outbox`. The relay of each server process
 * fans those rows out to webhook deliveries (one per recipient the committing statement wrote on
 * the row: store/event-recipients.ts) and, with `NATS_URL`, to JetStream publications; then sends them
 * at least once, in event order per (app, shop order), with exponential backoff and jitter,
 * dead-lettering a delivery after the give-up time, or at once, unsent, when the app's grant was
 * revoked meanwhile. Sends are pinned to checked addresses (webhook-target.ts). See relay.ts and
 * store/event-store.ts.
 */
export { type DeliveryConfig, type DeliveryOptions, deliveryOptions } from "./options.js";
export type { EventOutbox, EventSupport } from "./ports.js";
export { EventRelay } from "./relay.js";
export { type DeadLetterPage, type DeadLetterQuery, type EventServices, eventServices } from "./services.js";
export { systemTransport } from "./webhook.js";
