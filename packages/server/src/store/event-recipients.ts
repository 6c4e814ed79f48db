/**
 * Who an event goes to (CONTRACT.md section 8), as SQL that rides in the statement writing the
 * outbox row, so the recipients are those of the committing transaction: the apps whose grant of
 * the event's merchant is live, holds a fulfillment scope and covers one of the event's shops
 * (a grant listing no shops covers them all), and that have a webhook URL.
 */
import { type RawBuilder, sql } from "kysely";

/** The scopes that make an app a recipient of fulfillment events. */
export const FULFILLMENT_SCOPES = ["localservice.fulfill.query", "localservice.fulfill.redeem"] as const;

const SCOPES_SQL = sql.raw(`ARRAY[${FULFILLMENT_SCOPES.map((s) => `'${s}'`).join(", ")}]::text[]`);

/** A `bigint[]` of app ids, in app id order. `shops` is a `text[]` expression of third shop ids. */
export function recipientsOf(merchantId: string, shops: RawBuilder<string[]>): RawBuilder<string[]> {
  return sql<string[]>`ARRAY(
    SELECT g.app_id FROM grants g JOIN apps a ON a.app_id = g.app_id
    WHERE g.merchant_id = ${merchantId}::bigint AND g.revoked_at IS NULL
      AND g.scopes && ${SCOPES_SQL}
      AND a.webhook_url IS NOT NULL AND a.webhook_url <> ''
      AND (cardinality(g.third_shop_ids) = 0 OR g.third_shop_ids && ${shops})
    ORDER BY g.app_id)`;
}

/** The shop where a redeem or a cancel happened. */
export const atShop = (thirdShopId: string): RawBuilder<string[]> =>
  sql<string[]>`ARRAY[${thirdShopId}::text]`;

/** The shops of some items' applicable-shop snapshots (after-sale). */
export const ofSnapshots = (itemOrderIds: readonly string[]): RawBuilder<string[]> =>
  sql<string[]>`ARRAY(SELECT DISTINCT unnest(ss.third_shop_ids) FROM shop_snapshots ss
    WHERE ss.item_order_id = ANY(${[...itemOrderIds]}::bigint[]))`;
