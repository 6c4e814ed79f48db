/**
 * The SQL of event delivery, and only that: fan-out of outbox events to webhook deliveries and
 * NATS publications, claiming due work under a lease, recording outcomes, the dead-letter
 * list and replay, and the support view of a shop order's events.
 *
 * Claiming: a relay takes due rows with `SELECT … FOR UPDATE SKIP LOCKED` and stamps them
 * with its own lease (`lease_owner`, `lease_until`) in the same statement, so two relays
 * sharing one PostgreSQL never send the same delivery at the same time; a relay that dies
 * mid-send leaves a lease that simply expires, and the row is taken again (at least once).
 * Outcomes are written only while the writer still owns the lease.
 *
 * Order: a delivery is due only when no earlier event of the same shop order is still pending
 * for the same app, and no earlier event of that shop order is still waiting for fan-out. A
 * dead delivery no longer blocks.
 *
 * All times are real-clock Unix milliseconds.
 */
import { type Kysely, sql } from "kysely";
import type {
  AttemptFailure,
  ClaimedDelivery,
  ClaimedPublication,
  DeadLetter,
  DeadLetterFilter,
  DeliveryKey,
  EventOutbox,
  EventSupport,
  EventView,
} from "../events/ports.js";
import type { DB } from "./schema.js";

const num = (v: string | number | null | undefined): number | null =>
  v === null || v === undefined ? null : Number(v);
const ERROR_MAX = 500;
const trimError = (e: string) => (e.length > ERROR_MAX ? `${e.slice(0, ERROR_MAX - 1)}…` : e);

function parseContent(v: unknown): Record<string, unknown> {
  if (typeof v === "string") {
    try {
      return JSON.parse(v) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return (v ?? {}) as Record<string, unknown>;
}

export class EventStore implements EventOutbox, EventSupport {
  constructor(readonly db: Kysely<DB>) {}

  /**
   * Fans out up to `limit` outbox events not yet fanned out, oldest first: one pending delivery
   * per recipient the committing statement wrote on the event (never the grants of now: an app
   * granted later gets none of it), one publication row when `publish`, then marks the events
   * fanned out. One transaction; rows another relay is fanning out are skipped. Returns how many
   * events were fanned out.
   */
  async fanOut(
    nowMs: number,
    limit: number,
    publish: boolean,
  ): Promise<{ events: number; deliveries: number }> {
    return this.db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom("outbox")
        .select("event_id")
        .where("delivered_at", "is", null)
        .orderBy("event_id")
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return { events: 0, deliveries: 0 };
      const ids = rows.map((r) => r.event_id);
      const inserted = await sql`
        INSERT INTO webhook_deliveries (event_id, app_id, shop_order_id, state, attempts, next_attempt_at, created_at)
        SELECT o.event_id, r.app_id, o.shop_order_id, 'pending', 0, ${nowMs}::bigint, ${nowMs}::bigint
        FROM outbox o CROSS JOIN LATERAL unnest(o.recipients) AS r(app_id)
        WHERE o.event_id = ANY(${ids}::bigint[])
          AND EXISTS (SELECT 1 FROM apps a WHERE a.app_id = r.app_id)
        ON CONFLICT (event_id, app_id) DO NOTHING`.execute(tx);
      if (publish) {
        await tx
          .insertInto("event_publications")
          .values(ids.map((event_id) => ({ event_id, next_attempt_at: nowMs })))
          .onConflict((oc) => oc.column("event_id").doNothing())
          .execute();
      }
      await tx.updateTable("outbox").set({ delivered_at: nowMs }).where("event_id", "in", ids).execute();
      return { events: ids.length, deliveries: Number(inserted.numAffectedRows ?? 0n) };
    });
  }

  /** Claims up to `limit` due deliveries for `owner` until `nowMs + leaseMs`, in send order. */
  async claimDeliveries(
    owner: string,
    nowMs: number,
    leaseMs: number,
    limit: number,
  ): Promise<ClaimedDelivery[]> {
    const r = await sql<{
      event_id: string;
      app_id: string;
      attempts: number;
      first_attempt_at: string | null;
      event_type: string | null;
      shop_order_id: string | null;
      create_time: string | null;
      user_id: string | null;
      content: unknown;
      client_key: string | null;
      client_secret_enc: string | null;
      webhook_url: string | null;
      grant_live: boolean;
    }>`
      WITH pick AS (
        SELECT c.event_id, c.app_id
        FROM webhook_deliveries c
        WHERE c.state = 'pending'
          AND c.next_attempt_at <= ${nowMs}
          AND (c.lease_until IS NULL OR c.lease_until <= ${nowMs})
          AND NOT EXISTS (
            SELECT 1 FROM webhook_deliveries e
            WHERE e.app_id = c.app_id AND e.shop_order_id = c.shop_order_id
              AND e.state = 'pending' AND e.event_id < c.event_id)
          AND NOT EXISTS (
            SELECT 1 FROM outbox w
            WHERE w.shop_order_id = c.shop_order_id AND w.event_id < c.event_id AND w.delivered_at IS NULL)
        ORDER BY c.next_attempt_at, c.event_id
        LIMIT ${limit}
        FOR UPDATE OF c SKIP LOCKED
      ), claimed AS (
        UPDATE webhook_deliveries d
        SET lease_owner = ${owner}, lease_until = ${nowMs + leaseMs}
        FROM pick
        WHERE d.event_id = pick.event_id AND d.app_id = pick.app_id
        RETURNING d.event_id, d.app_id, d.attempts, d.first_attempt_at
      )
      SELECT claimed.event_id, claimed.app_id, claimed.attempts, claimed.first_attempt_at,
             o.event_type, o.shop_order_id, o.create_time, o.user_id, o.content,
             a.client_key, a.client_secret_enc, a.webhook_url,
             (g.app_id IS NOT NULL AND g.revoked_at IS NULL) AS grant_live
      FROM claimed
      LEFT JOIN outbox o ON o.event_id = claimed.event_id
      LEFT JOIN apps a ON a.app_id = claimed.app_id
      LEFT JOIN grants g ON g.app_id = claimed.app_id AND g.merchant_id = o.merchant_id
      ORDER BY claimed.event_id, claimed.app_id
    `.execute(this.db);
    return r.rows.map((row) => ({
      eventId: String(row.event_id),
      appId: String(row.app_id),
      attempts: Number(row.attempts),
      firstAttemptAt: num(row.first_attempt_at),
      event:
        row.event_type === null
          ? null
          : {
              eventType: row.event_type,
              shopOrderId: String(row.shop_order_id),
              createTime: Number(row.create_time),
              userId: String(row.user_id),
              content: parseContent(row.content),
            },
      grantLive: row.grant_live === true,
      app:
        row.client_key === null
          ? null
          : {
              clientKey: row.client_key,
              clientSecretEnc: row.client_secret_enc ?? "",
              webhookUrl: row.webhook_url,
            },
    }));
  }

  /** Records a 2xx answer. False when the lease was lost meanwhile (someone else owns the row now). */
  async markDelivered(
    key: DeliveryKey,
    owner: string,
    nowMs: number,
    firstAttemptAt: number,
    status: number,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable("webhook_deliveries")
      .set((eb) => ({
        state: "delivered",
        attempts: eb("attempts", "+", 1),
        first_attempt_at: eb.fn.coalesce("first_attempt_at", sql<string>`${firstAttemptAt}::bigint`),
        last_attempt_at: nowMs,
        last_status: status,
        last_error: null,
        delivered_at: nowMs,
        lease_owner: null,
        lease_until: null,
      }))
      .where("event_id", "=", key.eventId)
      .where("app_id", "=", key.appId)
      .where("state", "=", "pending")
      .where("lease_owner", "=", owner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Records a failed attempt: scheduled again, or dead when `nextAttemptAt` is null. */
  async markFailed(key: DeliveryKey, owner: string, f: AttemptFailure): Promise<boolean> {
    const dead = f.nextAttemptAt === null;
    return this.db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable("webhook_deliveries")
        .set((eb) => ({
          state: dead ? "dead" : "pending",
          attempts: eb("attempts", "+", 1),
          first_attempt_at: eb.fn.coalesce("first_attempt_at", sql<string>`${f.firstAttemptAt}::bigint`),
          last_attempt_at: f.nowMs,
          last_status: f.status,
          last_error: trimError(f.error),
          next_attempt_at: f.nextAttemptAt ?? f.nowMs,
          dead_at: dead ? f.nowMs : null,
          lease_owner: null,
          lease_until: null,
        }))
        .where("event_id", "=", key.eventId)
        .where("app_id", "=", key.appId)
        .where("state", "=", "pending")
        .where("lease_owner", "=", owner)
        .returning("shop_order_id")
        .executeTakeFirst();
      if (!r) return false;
      if (f.nextAttemptAt !== null) {
        // The later events of this (app, shop order) cannot go before this one: they need not be
        // looked at before its next attempt (keeps the due set small while a receiver is down).
        await tx
          .updateTable("webhook_deliveries")
          .set({ next_attempt_at: f.nextAttemptAt })
          .where("app_id", "=", key.appId)
          .where("shop_order_id", "=", r.shop_order_id)
          .where("state", "=", "pending")
          .where("event_id", ">", key.eventId)
          .where("next_attempt_at", "<", String(f.nextAttemptAt))
          .execute();
      }
      return true;
    });
  }

  /**
   * Dead-letters a claimed delivery without an attempt (it must not be sent, e.g. the app's
   * grant was revoked since the commit): `cause` is its last error. False when the lease was lost.
   */
  async markDead(key: DeliveryKey, owner: string, nowMs: number, cause: string): Promise<boolean> {
    const r = await this.db
      .updateTable("webhook_deliveries")
      .set({
        state: "dead",
        last_error: trimError(cause),
        last_status: null,
        next_attempt_at: nowMs,
        dead_at: nowMs,
        lease_owner: null,
        lease_until: null,
      })
      .where("event_id", "=", key.eventId)
      .where("app_id", "=", key.appId)
      .where("state", "=", "pending")
      .where("lease_owner", "=", owner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Gives a claimed delivery back untried (the relay is stopping). */
  async releaseDelivery(key: DeliveryKey, owner: string): Promise<void> {
    await this.db
      .updateTable("webhook_deliveries")
      .set({ lease_owner: null, lease_until: null })
      .where("event_id", "=", key.eventId)
      .where("app_id", "=", key.appId)
      .where("lease_owner", "=", owner)
      .execute();
  }

  /** Dead letters, newest event first. */
  async deadLetters(filter: DeadLetterFilter): Promise<DeadLetter[]> {
    let q = this.db
      .selectFrom("webhook_deliveries as d")
      .innerJoin("outbox as o", "o.event_id", "d.event_id")
      .innerJoin("apps as a", "a.app_id", "d.app_id")
      .select([
        "d.event_id",
        "d.app_id",
        "o.event_type",
        "a.client_key",
        "o.shop_order_id",
        "o.merchant_id",
        "o.create_time",
        "d.attempts",
        "d.replays",
        "d.first_attempt_at",
        "d.last_attempt_at",
        "d.last_status",
        "d.last_error",
        "d.dead_at",
      ])
      .where("d.state", "=", "dead");
    if (filter.clientKey !== undefined) q = q.where("a.client_key", "=", filter.clientKey);
    if (filter.shopOrderId !== undefined) q = q.where("d.shop_order_id", "=", filter.shopOrderId);
    if (filter.merchantId !== undefined) q = q.where("o.merchant_id", "=", filter.merchantId);
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
      eventType: r.event_type,
      clientKey: r.client_key,
      shopOrderId: r.shop_order_id,
      merchantId: r.merchant_id,
      createTime: Number(r.create_time),
      attempts: Number(r.attempts),
      replays: Number(r.replays),
      firstAttemptAt: num(r.first_attempt_at),
      lastAttemptAt: num(r.last_attempt_at),
      lastStatus: r.last_status === null ? null : Number(r.last_status),
      lastError: r.last_error,
      deadAt: num(r.dead_at),
    }));
  }

  /**
   * Puts the dead deliveries of an event (optionally only to one app) back to pending with a
   * fresh attempt budget. Returns the client keys replayed.
   */
  async replay(eventId: string, clientKey: string | null, nowMs: number): Promise<string[]> {
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
      .where("event_id", "=", eventId)
      .where("state", "=", "dead");
    if (clientKey !== null) {
      q = q.where("app_id", "in", (eb) =>
        eb.selectFrom("apps").select("app_id").where("client_key", "=", clientKey),
      );
    }
    const rows = await q.returning("app_id").execute();
    if (rows.length === 0) return [];
    const apps = await this.db
      .selectFrom("apps")
      .select("client_key")
      .where(
        "app_id",
        "in",
        rows.map((r) => r.app_id),
      )
      .orderBy("client_key")
      .execute();
    return apps.map((a) => a.client_key);
  }

  /** The events of a shop order with their deliveries and publication (support). */
  async eventsOfShopOrder(shopOrderId: string, limit: number): Promise<EventView[]> {
    const events = await this.db
      .selectFrom("outbox as o")
      .leftJoin("event_publications as p", "p.event_id", "o.event_id")
      .select([
        "o.event_id",
        "o.event_type",
        "o.shop_order_id",
        "o.merchant_id",
        "o.app_id",
        "o.user_id",
        "o.create_time",
        "o.content",
        "o.delivered_at",
        "p.event_id as p_event_id",
        "p.published_at",
        "p.stream_seq",
        "p.attempts as p_attempts",
        "p.last_error as p_last_error",
      ])
      .where("o.shop_order_id", "=", shopOrderId)
      .orderBy("o.event_id")
      .limit(limit)
      .execute();
    if (events.length === 0) return [];
    const deliveries = await this.db
      .selectFrom("webhook_deliveries as d")
      .leftJoin("apps as a", "a.app_id", "d.app_id")
      .selectAll("d")
      .select("a.client_key")
      .where(
        "d.event_id",
        "in",
        events.map((e) => e.event_id),
      )
      .orderBy("d.event_id")
      .orderBy("a.client_key")
      .execute();
    return events.map((e) => ({
      eventId: e.event_id,
      eventType: e.event_type,
      shopOrderId: e.shop_order_id,
      merchantId: e.merchant_id,
      appId: e.app_id,
      userId: e.user_id,
      createTime: Number(e.create_time),
      content: parseContent(e.content),
      fannedOutAt: num(e.delivered_at),
      publication:
        e.p_event_id === null
          ? null
          : {
              publishedAt: num(e.published_at),
              streamSeq: e.stream_seq,
              attempts: Number(e.p_attempts ?? 0),
              lastError: e.p_last_error,
            },
      deliveries: deliveries
        .filter((d) => d.event_id === e.event_id)
        .map((d) => ({
          clientKey: d.client_key,
          appId: d.app_id,
          state: d.state,
          attempts: Number(d.attempts),
          replays: Number(d.replays),
          nextAttemptAt: Number(d.next_attempt_at),
          firstAttemptAt: num(d.first_attempt_at),
          lastAttemptAt: num(d.last_attempt_at),
          lastStatus: d.last_status === null ? null : Number(d.last_status),
          lastError: d.last_error,
          deliveredAt: num(d.delivered_at),
          deadAt: num(d.dead_at),
        })),
    }));
  }

  /** Claims up to `limit` unpublished events for `owner`, oldest first. */
  async claimPublications(
    owner: string,
    nowMs: number,
    leaseMs: number,
    limit: number,
  ): Promise<ClaimedPublication[]> {
    const r = await sql<{
      event_id: string;
      attempts: number;
      event_type: string;
      shop_order_id: string;
      merchant_id: string;
      app_id: string | null;
      user_id: string;
      create_time: string;
      content: unknown;
    }>`
      WITH pick AS (
        SELECT p.event_id
        FROM event_publications p
        WHERE p.published_at IS NULL
          AND p.next_attempt_at <= ${nowMs}
          AND (p.lease_until IS NULL OR p.lease_until <= ${nowMs})
        ORDER BY p.event_id
        LIMIT ${limit}
        FOR UPDATE OF p SKIP LOCKED
      ), claimed AS (
        UPDATE event_publications q
        SET lease_owner = ${owner}, lease_until = ${nowMs + leaseMs}
        FROM pick
        WHERE q.event_id = pick.event_id
        RETURNING q.event_id, q.attempts
      )
      SELECT claimed.event_id, claimed.attempts, o.event_type, o.shop_order_id, o.merchant_id, o.app_id,
             o.user_id, o.create_time, o.content
      FROM claimed JOIN outbox o ON o.event_id = claimed.event_id
      ORDER BY claimed.event_id
    `.execute(this.db);
    return r.rows.map((row) => ({
      eventId: String(row.event_id),
      attempts: Number(row.attempts),
      eventType: row.event_type,
      shopOrderId: String(row.shop_order_id),
      merchantId: String(row.merchant_id),
      appId: row.app_id === null ? null : String(row.app_id),
      userId: String(row.user_id),
      createTime: Number(row.create_time),
      content: parseContent(row.content),
    }));
  }

  async markPublished(
    eventId: string,
    owner: string,
    nowMs: number,
    streamSeq: number | null,
  ): Promise<void> {
    await this.db
      .updateTable("event_publications")
      .set((eb) => ({
        published_at: nowMs,
        stream_seq: streamSeq,
        attempts: eb("attempts", "+", 1),
        last_error: null,
        lease_owner: null,
        lease_until: null,
      }))
      .where("event_id", "=", eventId)
      .where("lease_owner", "=", owner)
      .execute();
  }

  async markPublishFailed(
    eventId: string,
    owner: string,
    error: string,
    nextAttemptAt: number,
  ): Promise<void> {
    await this.db
      .updateTable("event_publications")
      .set((eb) => ({
        attempts: eb("attempts", "+", 1),
        last_error: trimError(error),
        next_attempt_at: nextAttemptAt,
        lease_owner: null,
        lease_until: null,
      }))
      .where("event_id", "=", eventId)
      .where("lease_owner", "=", owner)
      .execute();
  }

  /** Gives claimed publications back untried (the relay is stopping, or NATS is not connected). */
  async releasePublications(eventIds: readonly string[], owner: string): Promise<void> {
    if (eventIds.length === 0) return;
    await this.db
      .updateTable("event_publications")
      .set({ lease_owner: null, lease_until: null })
      .where("event_id", "in", [...eventIds])
      .where("lease_owner", "=", owner)
      .execute();
  }
}
