/**
 * The ports of event delivery: what the relay needs of the outbox (`EventOutbox`) and what the
 * operator's support routes read and replay (`EventSupport`). store/event-store.ts implements
 * both on Kysely; the relay and the services see only these. All times are real-clock Unix ms.
 */
import type { OutboxEvent } from "../core/records.js";

export type DeliveryState = "pending" | "delivered" | "dead";

export interface DeliveryKey {
  readonly eventId: string;
  readonly appId: string;
}

/** A claimed delivery with what is needed to send it. */
export interface ClaimedDelivery extends DeliveryKey {
  readonly attempts: number;
  readonly firstAttemptAt: number | null;
  /** null when the outbox row is gone (should not happen). */
  readonly event: {
    readonly eventType: string;
    readonly shopOrderId: string;
    readonly createTime: number;
    readonly userId: string;
    readonly content: Record<string, unknown>;
  } | null;
  /** False when the app's grant of the event's merchant was revoked (or is gone) since the commit. */
  readonly grantLive: boolean;
  /** null when the app is gone (should not happen). */
  readonly app: {
    readonly clientKey: string;
    readonly clientSecretEnc: string;
    readonly webhookUrl: string | null;
  } | null;
}

/** An outbox event's own fields (core/records.ts OutboxEvent without its audience), as read back. */
export type EventFields = Omit<OutboxEvent, "audience" | "content"> & {
  readonly content: Record<string, unknown>;
};

/** An event claimed for publication to NATS. */
export interface ClaimedPublication extends EventFields {
  readonly attempts: number;
}

export interface AttemptFailure {
  readonly nowMs: number;
  readonly firstAttemptAt: number;
  readonly status: number | null;
  readonly error: string;
  /** When to try again; null = give up (dead letter). */
  readonly nextAttemptAt: number | null;
}

export interface DeadLetter {
  readonly eventId: string;
  readonly appId: string;
  readonly eventType: string;
  readonly clientKey: string;
  readonly shopOrderId: string;
  readonly merchantId: string;
  readonly createTime: number;
  readonly attempts: number;
  readonly replays: number;
  readonly firstAttemptAt: number | null;
  readonly lastAttemptAt: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deadAt: number | null;
}

export interface DeadLetterFilter {
  readonly clientKey?: string | undefined;
  readonly shopOrderId?: string | undefined;
  readonly merchantId?: string | undefined;
  /** Continue after this (event_id, app_id), newest first. */
  readonly after?: DeliveryKey | undefined;
  readonly limit: number;
}

export interface DeliveryView {
  readonly clientKey: string | null;
  readonly appId: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly replays: number;
  readonly nextAttemptAt: number;
  readonly firstAttemptAt: number | null;
  readonly lastAttemptAt: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: number | null;
  readonly deadAt: number | null;
}

export interface EventView extends EventFields {
  readonly fannedOutAt: number | null;
  readonly publication: {
    readonly publishedAt: number | null;
    readonly streamSeq: string | null;
    readonly attempts: number;
    readonly lastError: string | null;
  } | null;
  readonly deliveries: DeliveryView[];
}

/** The outbox as the relay works it: fan-out, claims under a lease, outcomes written by the lease's owner. */
export interface EventOutbox {
  /** Fans out up to `limit` events not yet fanned out (one transaction); how many it did. */
  fanOut(nowMs: number, limit: number, publish: boolean): Promise<{ events: number; deliveries: number }>;
  claimDeliveries(owner: string, nowMs: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]>;
  markDelivered(
    key: DeliveryKey,
    owner: string,
    nowMs: number,
    firstAttemptAt: number,
    status: number,
  ): Promise<boolean>;
  markFailed(key: DeliveryKey, owner: string, f: AttemptFailure): Promise<boolean>;
  markDead(key: DeliveryKey, owner: string, nowMs: number, cause: string): Promise<boolean>;
  releaseDelivery(key: DeliveryKey, owner: string): Promise<void>;
  claimPublications(
    owner: string,
    nowMs: number,
    leaseMs: number,
    limit: number,
  ): Promise<ClaimedPublication[]>;
  markPublished(eventId: string, owner: string, nowMs: number, streamSeq: number | null): Promise<void>;
  markPublishFailed(eventId: string, owner: string, error: string, nextAttemptAt: number): Promise<void>;
}

/** What support reads and the operator replays. */
export interface EventSupport {
  deadLetters(filter: DeadLetterFilter): Promise<DeadLetter[]>;
  /** Dead deliveries of the event (of one app, or all) back to pending; the client keys replayed. */
  replay(eventId: string, clientKey: string | null, nowMs: number): Promise<string[]>;
  eventsOfShopOrder(shopOrderId: string, limit: number): Promise<EventView[]>;
}
