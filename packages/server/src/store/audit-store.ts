/** The operator audit on Kysely: appended by whichever process served the write, read by every process. */
import type { Kysely } from "kysely";
import type { AuditEntry, AuditLog, AuditQuery } from "../core/operator-audit.js";
import type { DB } from "./schema.js";

export class AuditStore implements AuditLog {
  constructor(readonly db: Kysely<DB>) {}

  async insert(e: Omit<AuditEntry, "auditId">): Promise<void> {
    await this.db
      .insertInto("operator_audit")
      .values({
        at_ms: e.atMs,
        log_id: e.logId,
        client_address: e.clientAddress,
        method: e.method,
        route: e.route,
        target: JSON.stringify(e.target),
        outcome_row: e.outcomeRow,
        http_status: e.httpStatus,
      })
      .execute();
  }

  /** Newest first (the id is the order rows were written in, every process alike). */
  async page(q: AuditQuery): Promise<AuditEntry[]> {
    let query = this.db.selectFrom("operator_audit").selectAll();
    if (q.route !== undefined) query = query.where("route", "=", q.route);
    if (q.before !== undefined) query = query.where("audit_id", "<", q.before);
    const rows = await query.orderBy("audit_id", "desc").limit(q.limit).execute();
    return rows.map((r) => ({
      auditId: String(r.audit_id),
      atMs: Number(r.at_ms),
      logId: r.log_id,
      clientAddress: r.client_address,
      method: r.method,
      route: r.route,
      target: typeof r.target === "string" ? JSON.parse(r.target) : r.target,
      outcomeRow: r.outcome_row,
      httpStatus: Number(r.http_status),
    }));
  }
}
