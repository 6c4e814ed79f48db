/**
 * Migrations of event delivery (webhooks, dead letters, NATS). Odd ids from 3 on; the core's
 * list in migrations.ts takes the even ones, so both can grow without colliding.
 *
 * Times here are real-clock Unix milliseconds (retries follow the real clock, CONTRACT.md
 * section 1a); the events' own `create_time` stays the business-clock second of the outbox.
 *
 * - `outbox.delivered_at` (core table, already indexed for this): set, in real-clock ms, once
 *   the relay has fanned the event out (a delivery row per recipient, a publication row when
 *   NATS is on). `NULL` = not yet fanned out.
 * - `webhook_deliveries`: one row per (event, app), the unit of at-least-once delivery.
 *   `state` pending → delivered, or pending → dead (gave up) → pending again on replay.
 *   `lease_owner`/`lease_until` are the claim of the relay that is sending it right now.
 * - `event_publications`: one row per event to publish to NATS JetStream; `published_at` set
 *   when JetStream acknowledged it.
 */
import type { Migration } from "./migrations.js";

export const EVENT_MIGRATIONS: readonly Migration[] = [
  {
    id: 3,
    name: "event delivery: webhook deliveries and NATS publications",
    statements: [
      `CREATE TABLE webhook_deliveries (
        event_id bigint NOT NULL,
        app_id bigint NOT NULL,
        shop_order_id bigint NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at bigint NOT NULL,
        first_attempt_at bigint,
        last_attempt_at bigint,
        last_status smallint,
        last_error text,
        delivered_at bigint,
        dead_at bigint,
        replays integer NOT NULL DEFAULT 0,
        lease_owner text,
        lease_until bigint,
        created_at bigint NOT NULL,
        PRIMARY KEY (event_id, app_id)
      )`,
      `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending'`,
      `CREATE INDEX webhook_deliveries_order ON webhook_deliveries (app_id, shop_order_id, event_id) WHERE state = 'pending'`,
      `CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (event_id DESC, app_id DESC) WHERE state = 'dead'`,
      `CREATE INDEX webhook_deliveries_shop_order ON webhook_deliveries (shop_order_id, event_id)`,
      `CREATE TABLE event_publications (
        event_id bigint PRIMARY KEY,
        published_at bigint,
        stream_seq bigint,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at bigint NOT NULL DEFAULT 0,
        last_error text,
        lease_owner text,
        lease_until bigint
      )`,
      `CREATE INDEX event_publications_pending ON event_publications (event_id) WHERE published_at IS NULL`,
    ],
  },
];
