/**
 * Migrations of operator alerts. Ids from 200 on, apart from the core's (even), event
 * delivery's (odd) and devices' (100 on) lists.
 *
 * `operator_alerts`: what the operator must look at, stored so that `GET /platform/alerts`
 * shows the alerts of every server process. Today one kind: `code_enumeration`, raised once
 * per budget window when a caller's misses pass the enumeration budget. `budget` names whose
 * budget tripped: `app` (an app and merchant; `device_id` set when a device's misses tipped it)
 * or `device` (a device's own). Times in real-clock Unix ms.
 */
import type { Migration } from "./migrations.js";

export const ALERT_MIGRATIONS: readonly Migration[] = [
  {
    id: 200,
    name: "operator alerts",
    statements: [
      `CREATE TABLE operator_alerts (
        alert_id bigserial PRIMARY KEY,
        type text NOT NULL,
        at_ms bigint NOT NULL,
        budget text NOT NULL,
        app_id bigint NOT NULL,
        merchant_id bigint NOT NULL,
        device_id bigint,
        misses integer NOT NULL,
        window_seconds integer NOT NULL
      )`,
      `CREATE INDEX operator_alerts_at ON operator_alerts (at_ms)`,
    ],
  },
];
