/** Kysely's view of the operator-audit table of migrations-audit.ts. int8 columns come back as decimal strings. */
import type { ColumnType, Generated } from "kysely";

type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;

export interface OperatorAuditTable {
  audit_id: Generated<string>;
  at_ms: Int8;
  log_id: string;
  client_address: string;
  method: string;
  route: string;
  /** Written as JSON text, read back as the object. */
  target: ColumnType<Record<string, string>, string, string>;
  outcome_row: string;
  http_status: number;
}

export interface AuditTables {
  operator_audit: OperatorAuditTable;
}
