/** Operator alerts on Kysely: written by whichever process raised one, read by every process. */
import { type Kysely, sql } from "kysely";
import type { AlertLog, AlertPosition, OperatorAlert, StoredAlert } from "../core/platform-ports.js";
import type { DB } from "./schema.js";

export type { OperatorAlert } from "../core/platform-ports.js";

export class AlertStore implements AlertLog {
  constructor(readonly db: Kysely<DB>) {}

  async insert(a: OperatorAlert): Promise<void> {
    await this.db
      .insertInto("operator_alerts")
      .values({
        type: a.type,
        at_ms: a.atMs,
        budget: a.budget,
        app_id: a.appId,
        merchant_id: a.merchantId,
        device_id: a.deviceId,
        misses: a.misses,
        window_seconds: a.windowSeconds,
      })
      .execute();
  }

  /** Deletes alerts raised before `beforeMs` (real clock); returns how many. */
  async purge(beforeMs: number): Promise<number> {
    const r = await this.db
      .deleteFrom("operator_alerts")
      .where("at_ms", "<", String(beforeMs))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Newest first, after `after` when given. */
  async recent(limit: number, after?: AlertPosition): Promise<StoredAlert[]> {
    let q = this.db.selectFrom("operator_alerts").selectAll();
    if (after)
      q = q.where(sql<boolean>`(at_ms, alert_id) < (${after.atMs}::bigint, ${after.alertId}::bigint)`);
    const rows = await q.orderBy("at_ms", "desc").orderBy("alert_id", "desc").limit(limit).execute();
    return rows.map((r) => ({
      alertId: String(r.alert_id),
      type: r.type as OperatorAlert["type"],
      atMs: Number(r.at_ms),
      budget: r.budget as OperatorAlert["budget"],
      appId: r.app_id,
      merchantId: r.merchant_id,
      deviceId: r.device_id,
      misses: r.misses,
      windowSeconds: r.window_seconds,
    }));
  }
}
