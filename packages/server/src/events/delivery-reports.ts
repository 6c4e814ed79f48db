/**
 * What the operator's Webhooks screen reads of event delivery, and its one bulk action: the
 * deliveries by outcome (counts and a page of rows), every app's last recorded delivery error,
 * and replaying every dead letter at once. The port is implemented by store/delivery-reports.ts;
 * the composition root binds `webhookReports` to it.
 *
 * Outcomes, from what a delivery row keeps (store/migrations-events.ts):
 * - `pending`: waiting for its first attempt (or its first after a replay);
 * - `failed`: pending again after a failed attempt: it will be retried (its error is the last one);
 * - `delivered`: a 2xx answer (the row keeps no error then);
 * - `dead`: given up (a dead letter), until replayed.
 * So "the last error" of an app is the newest error still kept on a failed or dead delivery:
 * once an event is delivered its earlier errors are gone.
 */
import { pageOf } from "../core/page.js";
import type { RealClock } from "../core/ports.js";
import { fail, ok, type Result } from "../core/result.js";
import type { DeliveryKey } from "./ports.js";

export const DELIVERY_OUTCOMES = ["pending", "failed", "delivered", "dead"] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];
export type OutcomeCounts = Record<DeliveryOutcome, number>;

/** One delivery as the list shows it. Times in real-clock Unix ms. */
export interface DeliveryRow extends DeliveryKey {
  readonly clientKey: string;
  readonly eventType: string;
  readonly shopOrderId: string;
  readonly merchantId: string;
  readonly createTime: number;
  readonly outcome: DeliveryOutcome;
  readonly attempts: number;
  readonly replays: number;
  readonly nextAttemptAt: number | null;
  readonly lastAttemptAt: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: number | null;
  readonly deadAt: number | null;
}

export interface DeliveryFilter {
  readonly outcome: DeliveryOutcome;
  /** The app's id (already resolved from its client key). */
  readonly appId?: string | undefined;
  /** Continue after this (event_id, app_id), newest first. */
  readonly after?: DeliveryKey | undefined;
  readonly limit: number;
}

/** The newest error still kept on one of an app's deliveries. */
export interface LastDeliveryError {
  readonly eventId: string;
  readonly status: number | null;
  readonly error: string;
  readonly atMs: number | null;
}

export interface AppDeliveries {
  readonly appId: string;
  readonly clientKey: string;
  readonly name: string;
  readonly webhookUrl: string | null;
  readonly counts: OutcomeCounts;
  readonly lastError: LastDeliveryError | null;
}

/** The store's side (store/delivery-reports.ts). */
export interface DeliveryReports {
  /** The app id of a client key; null when there is no such app. */
  appIdOf(clientKey: string): Promise<string | null>;
  /**
   * Deliveries of one outcome, newest event first, and the counts by outcome (of the filter's
   * app, or of all), read in one snapshot: the relay moves deliveries on between two reads, and
   * a page must not count three dead letters while listing one.
   */
  deliveryPage(filter: DeliveryFilter): Promise<{ rows: DeliveryRow[]; counts: OutcomeCounts }>;
  /** Apps with a webhook URL or any delivery, by app id, after `afterAppId`. */
  apps(afterAppId: string | undefined, limit: number): Promise<AppDeliveries[]>;
  /** Every dead delivery (of one app, or all) back to pending with a fresh attempt budget; how many. */
  replayAllDead(appId: string | undefined, nowMs: number): Promise<number>;
}

export interface DeliveryQuery {
  readonly outcome: DeliveryOutcome;
  readonly clientKey?: string | undefined;
  /** At most 100; default 50. */
  readonly limit?: number | undefined;
  /** `<event_id>.<app_id>` of the last delivery of the page before. */
  readonly cursor?: string | undefined;
}

export interface DeliveryPage {
  readonly counts: OutcomeCounts;
  readonly deliveries: readonly DeliveryRow[];
  readonly hasMore: boolean;
  /** Where the next page starts; null on the last page. */
  readonly cursor: string | null;
}

export interface AppsQuery {
  readonly limit?: number | undefined;
  /** The app id of the last app of the page before. */
  readonly cursor?: string | undefined;
}

export interface AppsPage {
  readonly apps: readonly AppDeliveries[];
  readonly hasMore: boolean;
  /** Where the next page starts; null on the last page. */
  readonly cursor: string | null;
}

export interface WebhookReportServices {
  /** Counts by outcome and one page of one outcome's deliveries; `not_found` for an unknown client key. */
  deliveries(query: DeliveryQuery): Promise<Result<DeliveryPage>>;
  /** Each app's webhook target (for display), counts and last kept error. */
  apps(query: AppsQuery): Promise<AppsPage>;
  /** Every dead letter (of one client key, or all) queued again; `not_found` for an unknown client key. */
  replayAll(clientKey: string | undefined): Promise<Result<{ readonly replayed: number }>>;
}

export interface WebhookReportDeps {
  readonly store: DeliveryReports;
  readonly realClock: RealClock;
}

const unknownApp = () =>
  fail("not_found", "no app with this client_key", { message: "no app with this client_key" });

/**
 * A webhook URL to show: scheme, host, port and path only. A query string or user info may
 * carry the receiver's own secret, which the console must not display.
 */
export function displayTarget(url: string | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return "(not a URL)";
  }
}

export function webhookReports(deps: WebhookReportDeps): WebhookReportServices {
  const { store } = deps;
  const appOf = async (clientKey: string | undefined): Promise<Result<string | undefined>> => {
    if (clientKey === undefined) return ok(undefined);
    const appId = await store.appIdOf(clientKey);
    return appId === null ? unknownApp() : ok(appId);
  };
  return {
    async deliveries(q) {
      const app = await appOf(q.clientKey);
      if (!app.ok) return app;
      const limit = Math.min(100, q.limit ?? 50);
      const [eventId, appId] = q.cursor ? q.cursor.split(".") : [];
      const { rows, counts } = await store.deliveryPage({
        outcome: q.outcome,
        appId: app.value,
        after: eventId && appId ? { eventId, appId } : undefined,
        limit: limit + 1,
      });
      const { items: page, hasMore, cursor } = pageOf(rows, limit, (d) => `${d.eventId}.${d.appId}`);
      return ok({ counts, deliveries: page, hasMore, cursor });
    },
    async apps(q) {
      const limit = Math.min(100, q.limit ?? 50);
      const rows = await store.apps(q.cursor, limit + 1);
      const { items: page, hasMore, cursor } = pageOf(rows, limit, (a) => a.appId);
      return { apps: page.map((a) => ({ ...a, webhookUrl: displayTarget(a.webhookUrl) })), hasMore, cursor };
    },
    async replayAll(clientKey) {
      const app = await appOf(clientKey);
      if (!app.ok) return app;
      return ok({ replayed: await store.replayAllDead(app.value, deps.realClock.nowMs()) });
    },
  };
}
