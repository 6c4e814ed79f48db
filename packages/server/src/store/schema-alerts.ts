/** Kysely's view of the operator-alert table of migrations-alerts.ts. int8 columns come back as decimal strings. */
import type { ColumnType, Generated } from "kysely";

type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;
type NullableInt8 = ColumnType<
  string | null,
  string | number | bigint | null,
  string | number | bigint | null
>;

export interface OperatorAlertsTable {
  alert_id: Generated<string>;
  type: string;
  at_ms: Int8;
  budget: string;
  app_id: Int8;
  merchant_id: Int8;
  device_id: NullableInt8;
  misses: number;
  window_seconds: number;
}

export interface AlertTables {
  operator_alerts: OperatorAlertsTable;
}
