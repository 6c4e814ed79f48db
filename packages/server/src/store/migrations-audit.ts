/**
 * Migrations of the operator audit. Ids from 500 on, apart from the core's (even), event
 * delivery's (odd), devices' (100 on), alerts' (200 on) and keys' (300 on) lists.
 *
 * `operator_audit`: one row per operator write (a non-GET request on an operator-token route),
 * read newest first by `GET /platform/audit`. `target` holds the route's path parameters only,
 * never a body. Time in real-clock Unix ms.
 *
 * Support's redemption search (`GET /platform/redemptions`) by shop or by time alone reads
 * two indexes of its own; by code it goes through vouchers' code and the shop-order index.
 */
import type { Migration } from "./migrations.js";

export const AUDIT_MIGRATIONS: readonly Migration[] = [
  {
    id: 500,
    name: "operator audit; redemption search by shop and time",
    statements: [
      `CREATE TABLE operator_audit (
        audit_id bigserial PRIMARY KEY,
        at_ms bigint NOT NULL,
        log_id text NOT NULL,
        client_address text NOT NULL,
        method text NOT NULL,
        route text NOT NULL,
        target jsonb NOT NULL,
        outcome_row text NOT NULL,
        http_status smallint NOT NULL
      )`,
      `CREATE INDEX operator_audit_route ON operator_audit (route, audit_id)`,
      `CREATE INDEX redemptions_shop_time ON redemptions (shop_id, redeem_time DESC, redeem_id DESC)`,
      `CREATE INDEX redemptions_time ON redemptions (redeem_time DESC, redeem_id DESC)`,
      `CREATE INDEX after_sale_orders_status ON after_sale_orders (status, after_sale_order_id)`,
    ],
  },
];
