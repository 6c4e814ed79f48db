/**
 * The SQL of the operator's delivery reports (events/delivery-reports.ts): deliveries by outcome,
 * each app's counts and last kept error, replay of every dead letter. Reads only, except the
 * replay, which is the one statement of EventStore.replay without its event filter.
 *
 * `failed` is not a stored state: a pending row with at least one attempt and an error kept
 * (markFailed writes both; a replay sets attempts back to 0, so a replayed row reads pending).
 * All times are real-clock Unix milliseconds.
 */
import { type Expression, type Kysely, type SqlBool, sql } from "kysely";
import {
  type AppDeliveries,
  DELIVERY_OUTCOMES,
  type DeliveryFilter,
  type DeliveryOutcome,
  type DeliveryReports,
  type DeliveryRow,
  type OutcomeCounts,
} from "../events/delivery-reports.js";
import type { DB } from "./schema.js";

const num = (v: string | number | null | undefined): number | null =>
  v === null || v === undefined ? null : Number(v);

/** The outcome of the row aliased `d`, as SQL. */
const OUTCOME_OF_D = sql<DeliveryOutcome>`CASE
  WHEN d.state = 'pending' AND d.attempts > 0 AND d.last_error IS NOT NULL THEN 'failed'
  ELSE d.state END`;

function outcomeIs(outcome: DeliveryOutcome): Expression<SqlBool> {
  switch (outcome) {
    case "failed":
      return sql<SqlBool>`(d.state = 'pending' AND d.attempts > 0 AND d.last_error IS NOT NULL)`;
    case "pending":
      return sql<SqlBool>`(d.state = 'pending' AND NOT (d.attempts > 0 AND d.last_error IS NOT NULL))`;
    default:
      return sql<SqlBool>`d.state = ${outcome}`;
  }
}

const noCounts = (): OutcomeCounts => ({ pending: 0, failed: 0, delivered: 0, dead: 0 });

function isOutcome(v: string): v is DeliveryOutcome {
  return (DELIVERY_OUTCOMES as readonly string[]).includes(v);
}

async function outcomeCounts(db: Kysely<DB>, appId: string | undefined): Promise<OutcomeCounts> {
  let q = db
    .selectFrom("webhook_deliveries as d")
    .select((eb) => [OUTCOME_OF_D.as("outcome"), eb.fn.countAll<string>().as("n")]);
  if (appId !== undefined) q = q.where("d.app_id", "=", appId);
  const rows = await q.groupBy(sql`1`).execute();
  const counts = noCounts();
  for (const r of rows) if (isOutcome(r.outcome)) counts[r.outcome] = Number(r.n);
  return counts;
}

async function deliveries(db: Kysely<DB>, filter: DeliveryFilter): Promise<DeliveryRow[]> {
  let q = db
    .selectFrom("webhook_deliveries as d")
    .innerJoin("outbox as o", "o.event_id", "d.event_id")
    .innerJoin("apps as a", "a.app_id", "d.app_id")
    .select([
      "d.event_id",
      "d.app_id",
      "a.client_key",
      "o.event_type",
      "o.shop_order_id",
      "o.merchant_id",
      "o.create_time",
      "d.state",
      "d.attempts",
      "d.replays",
      "d.next_attempt_at",
      "d.last_attempt_at",
      "d.last_status",
      "d.last_error",
      "d.delivered_at",
      "d.dead_at",
      OUTCOME_OF_D.as("outcome"),
    ])
    .where(outcomeIs(filter.outcome));
  if (filter.appId !== undefined) q = q.where("d.app_id", "=", filter.appId);
  if (filter.after) {
    const { eventId, appId } = filter.after;
    q = q.where(sql<boolean>`(d.event_id, d.app_id) < (${eventId}::bigint, ${appId}::bigint)`);
  }
  const rows = await q
    .orderBy("d.event_id", "desc")
    .orderBy("d.app_id", "desc")
    .limit(filter.limit)
    .execute();
  return rows.map((r) => ({
    eventId: r.event_id,
    appId: r.app_id,
    clientKey: r.client_key,
    eventType: r.event_type,
    shopOrderId: r.shop_order_id,
    merchantId: r.merchant_id,
    createTime: Number(r.create_time),
    outcome: r.outcome,
    attempts: Number(r.attempts),
    replays: Number(r.replays),
    nextAttemptAt: r.state === "pending" ? num(r.next_attempt_at) : null,
    lastAttemptAt: num(r.last_attempt_at),
    lastStatus: r.last_status === null ? null : Number(r.last_status),
    lastError: r.last_error,
    deliveredAt: num(r.delivered_at),
    deadAt: num(r.dead_at),
  }));
}

export class DeliveryReportStore implements DeliveryReports {
  constructor(readonly db: Kysely<DB>) {}

  async appIdOf(clientKey: string): Promise<string | null> {
    const r = await this.db
      .selectFrom("apps")
      .select("app_id")
      .where("client_key", "=", clientKey)
      .executeTakeFirst();
    return r?.app_id ?? null;
  }

  async deliveryPage(filter: DeliveryFilter): Promise<{ rows: DeliveryRow[]; counts: OutcomeCounts }> {
    // Repeatable read: one snapshot for both reads (read-only, so it never fails to serialize).
    return this.db
      .transaction()
      .setIsolationLevel("repeatable read")
      .execute(async (trx) => ({
        rows: await deliveries(trx, filter),
        counts: await outcomeCounts(trx, filter.appId),
      }));
  }

  async apps(afterAppId: string | undefined, limit: number): Promise<AppDeliveries[]> {
    let q = this.db
      .selectFrom("apps as a")
      .select(["a.app_id", "a.client_key", "a.name", "a.webhook_url"])
      .where((eb) =>
        eb.or([
          eb.and([eb("a.webhook_url", "is not", null), eb("a.webhook_url", "<>", "")]),
          eb.exists(
            eb
              .selectFrom("webhook_deliveries as w")
              .select(sql`1`.as("one"))
              .whereRef("w.app_id", "=", "a.app_id"),
          ),
        ]),
      );
    if (afterAppId !== undefined) q = q.where("a.app_id", ">", afterAppId);
    const apps = await q.orderBy("a.app_id").limit(limit).execute();
    if (apps.length === 0) return [];
    const ids = apps.map((a) => a.app_id);
    const counted = await this.db
      .selectFrom("webhook_deliveries as d")
      .select((eb) => ["d.app_id", OUTCOME_OF_D.as("outcome"), eb.fn.countAll<string>().as("n")])
      .where("d.app_id", "in", ids)
      .groupBy([sql`1`, sql`2`])
      .execute();
    const errors = await sql<{
      app_id: string;
      event_id: string;
      last_status: number | null;
      last_error: string;
      at: string | null;
    }>`
      SELECT DISTINCT ON (d.app_id) d.app_id, d.event_id, d.last_status, d.last_error,
             COALESCE(d.last_attempt_at, d.dead_at) AS at
      FROM webhook_deliveries d
      WHERE d.app_id = ANY(${ids}::bigint[]) AND d.last_error IS NOT NULL
      ORDER BY d.app_id, COALESCE(d.last_attempt_at, d.dead_at) DESC NULLS LAST, d.event_id DESC
    `.execute(this.db);
    return apps.map((a) => {
      const counts = noCounts();
      for (const c of counted)
        if (String(c.app_id) === String(a.app_id) && isOutcome(c.outcome)) counts[c.outcome] = Number(c.n);
      const e = errors.rows.find((r) => String(r.app_id) === String(a.app_id));
      return {
        appId: a.app_id,
        clientKey: a.client_key,
        name: a.name,
        webhookUrl: a.webhook_url,
        counts,
        lastError: e
          ? {
              eventId: String(e.event_id),
              status: e.last_status === null ? null : Number(e.last_status),
              error: e.last_error,
              atMs: num(e.at),
            }
          : null,
      };
    });
  }

  async replayAllDead(appId: string | undefined, nowMs: number): Promise<number> {
    let q = this.db
      .updateTable("webhook_deliveries")
      .set((eb) => ({
        state: "pending",
        attempts: 0,
        first_attempt_at: null,
        next_attempt_at: nowMs,
        dead_at: null,
        lease_owner: null,
        lease_until: null,
        replays: eb("replays", "+", 1),
      }))
      .where("state", "=", "dead");
    if (appId !== undefined) q = q.where("app_id", "=", appId);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
}
