/**
 * The audit of operator writes: every non-GET request on an operator-token route is recorded
 * (time on the real clock, client address, method, route, the ids in its path, the answer's row
 * and the log id), newest first in `GET /platform/audit`. Request bodies are never recorded (they
 * may hold client secrets); the operator token is one shared secret, so an entry says from where
 * and what, not who.
 */
import { pageOf } from "./page.js";
import type { RealClock } from "./ports.js";

/** One operator write as the audit keeps it. */
export interface AuditEntry {
  readonly auditId: string;
  /** Real clock, Unix ms. */
  readonly atMs: number;
  readonly logId: string;
  /** The trusted-proxy aware client address (request.ip). */
  readonly clientAddress: string;
  readonly method: string;
  /** The route's template, e.g. `/platform/after-sales/:after_sale_order_id/approve`. */
  readonly route: string;
  /** The route's path parameters (ids, a client key, a fault point): never a body field. */
  readonly target: Readonly<Record<string, string>>;
  /** The answer's catalogue row, generic code, or OK. */
  readonly outcomeRow: string;
  readonly httpStatus: number;
}

export type AuditRecord = Omit<AuditEntry, "auditId" | "atMs">;

export interface AuditQuery {
  readonly route?: string | undefined;
  /** After this audit id (the previous page's cursor), newest first. */
  readonly before?: string | undefined;
  readonly limit: number;
}

/** The store's side: append, and read newest first. */
export interface AuditLog {
  insert(entry: Omit<AuditEntry, "auditId">): Promise<void>;
  page(query: AuditQuery): Promise<AuditEntry[]>;
}

export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  readonly hasMore: boolean;
  readonly cursor: string | null;
}

export interface OperatorAudit {
  record(entry: AuditRecord): Promise<void>;
  page(q: {
    route?: string | undefined;
    cursor?: string | undefined;
    limit?: number | undefined;
  }): Promise<AuditPage>;
}

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 100;

export function operatorAudit(log: AuditLog, clock: RealClock): OperatorAudit {
  return {
    record: (entry) => log.insert({ ...entry, atMs: clock.nowMs() }),
    async page(q) {
      const limit = Math.min(AUDIT_PAGE_MAX, q.limit ?? AUDIT_PAGE_DEFAULT);
      const rows = await log.page({ route: q.route, before: q.cursor, limit: limit + 1 });
      const { items, hasMore, cursor } = pageOf(rows, limit, (e) => e.auditId);
      return { entries: items, hasMore, cursor };
    },
  };
}
