/**
 * Writes of item state outside a redemption (cancel, after-sale, expiry; see core/move-items.ts):
 * the vouchers locked first, then one conditional UPDATE per table.
 */
import { sql } from "kysely";
import type { ConditionalMove, ReadContext, VoucherRedemptionFields } from "../core/ports.js";
import type { StoreScope } from "./scope.js";

/** Row-locks the vouchers in item id order; every writer takes these first, so writers never deadlock. */
export async function lockVouchers(scope: StoreScope, itemOrderIds: readonly string[]): Promise<void> {
  if (itemOrderIds.length === 0) return;
  await scope.db
    .selectFrom("vouchers")
    .select("item_order_id")
    .where("item_order_id", "in", itemOrderIds)
    .orderBy("item_order_id")
    .forUpdate()
    .execute();
}

export function moveVouchers(
  scope: StoreScope,
  moves: readonly ConditionalMove[],
  fields: VoucherRedemptionFields | null,
  ctx: ReadContext,
): Promise<number> {
  const set = fields
    ? sql`redeem_id = ${fields.redeemId}::bigint, redeemed_shop_id = ${fields.redeemedShopId}::bigint,
          redeemed_third_shop_id = ${fields.redeemedThirdShopId}::text, redemption_source = ${fields.redemptionSource}::smallint,
          redeem_time = ${fields.redeemTime}::bigint`
    : null;
  return move(scope, "vouchers", moves, ctx, set);
}

export function moveExecutionOrders(
  scope: StoreScope,
  moves: readonly ConditionalMove[],
  ctx: ReadContext,
): Promise<number> {
  return move(scope, "execution_orders", moves, ctx, null);
}

export function moveSubOrders(
  scope: StoreScope,
  moves: readonly ConditionalMove[],
  ctx: ReadContext,
): Promise<number> {
  return move(scope, "sub_fulfillment_orders", moves, ctx, null);
}

/**
 * One conditional UPDATE for all records of a table: a record moves only if its version and
 * status are still those read. An armed `redeem.update_conflict` fault makes the condition
 * name a version no record has, so the update really matches nothing.
 */
async function move(
  scope: StoreScope,
  table: "vouchers" | "execution_orders" | "sub_fulfillment_orders",
  moves: readonly ConditionalMove[],
  ctx: ReadContext | null,
  set: ReturnType<typeof sql> | null,
): Promise<number> {
  if (moves.length === 0) return 0;
  const conflict = ctx?.fault ? scope.faults.fires(ctx.fault, ctx.merchantId) : false;
  const ids = moves.map((m) => m.itemOrderId);
  const versions = moves.map((m) => (conflict ? -1 : m.fromVersion));
  const froms = moves.map((m) => m.fromStatus);
  const tos = moves.map((m) => m.toStatus);
  const extra = set ? sql`, ${set}` : sql``;
  const result = await sql`
    UPDATE ${sql.table(table)} AS record
    SET status = move.to_status, version = record.version + 1 ${extra}
    FROM (SELECT unnest(${ids}::bigint[]) AS item_order_id, unnest(${versions}::int[]) AS from_version,
                 unnest(${froms}::text[]) AS from_status, unnest(${tos}::text[]) AS to_status) AS move
    WHERE record.item_order_id = move.item_order_id AND record.version = move.from_version
      AND record.status = move.from_status`.execute(scope.db);
  return Number(result.numAffectedRows ?? 0n);
}
