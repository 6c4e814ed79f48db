/** Kysely's view of the event-delivery tables of migrations-events.ts. int8 columns come back as decimal strings. */
import type { ColumnType, Generated } from "kysely";
import type { DeliveryState } from "../events/ports.js";

type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;
type NullableInt8 = ColumnType<
  string | null,
  string | number | bigint | null,
  string | number | bigint | null
>;

/** One webhook delivery: an event to one app. Times in real-clock Unix ms. */
export interface WebhookDeliveriesTable {
  event_id: Int8;
  app_id: Int8;
  shop_order_id: Int8;
  state: DeliveryState;
  attempts: Generated<number>;
  next_attempt_at: Int8;
  first_attempt_at: NullableInt8;
  last_attempt_at: NullableInt8;
  last_status: number | null;
  last_error: string | null;
  delivered_at: NullableInt8;
  dead_at: NullableInt8;
  replays: Generated<number>;
  lease_owner: string | null;
  lease_until: NullableInt8;
  created_at: Int8;
}

/** One event to publish to NATS JetStream. Times in real-clock Unix ms. */
export interface EventPublicationsTable {
  event_id: Int8;
  published_at: NullableInt8;
  stream_seq: NullableInt8;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<string, string | number | bigint | undefined, string | number | bigint>;
  last_error: string | null;
  lease_owner: string | null;
  lease_until: NullableInt8;
}

export interface EventTables {
  webhook_deliveries: WebhookDeliveriesTable;
  event_publications: EventPublicationsTable;
}
