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
 * - `outbox.recipients` (id 5): the app ids an event goes to, written by the statement that
 *   writes the event (store/event-recipients.ts), so a grant given, narrowed or revoked after the
 *   commit does not change who gets it. Events still waiting for fan-out when this migration
 *   runs get the recipients of that moment.
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
  {
    id: 5,
    name: "event delivery: recipients fixed when the event is committed",
    statements: [
      `ALTER TABLE outbox ADD COLUMN recipients bigint[] NOT NULL DEFAULT '{}'`,
      // The recipients subquery of every event write looks up the grants of one merchant.
      `CREATE INDEX IF NOT EXISTS grants_merchant ON grants (merchant_id)`,
      `UPDATE outbox o SET recipients = ARRAY(
        SELECT g.app_id FROM grants g JOIN apps a ON a.app_id = g.app_id
        WHERE g.merchant_id = o.merchant_id AND g.revoked_at IS NULL
          AND g.scopes && ARRAY['localservice.fulfill.query', 'localservice.fulfill.redeem']::text[]
          AND a.webhook_url IS NOT NULL AND a.webhook_url <> ''
          AND (cardinality(g.third_shop_ids) = 0 OR g.third_shop_ids && (
            CASE WHEN o.event_type = 'ttls.fulfill.after_sale.result'
              THEN ARRAY(SELECT DISTINCT unnest(ss.third_shop_ids) FROM shop_snapshots ss
                WHERE ss.item_order_id::text IN (SELECT jsonb_array_elements_text(o.content->'item_ids')))
              ELSE ARRAY[o.content->>'third_shop_id']
            END))
        ORDER BY g.app_id)
      WHERE o.delivered_at IS NULL`,
    ],
  },
];
