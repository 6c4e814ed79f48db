/**
 * Redemptions: the commit of a redeem (sql/commit-redemption.sql, one round trip), its cancel,
 * and the reads of the records (one, a page, those of an order).
 */
import type { ConditionalMove, ReadContext, RedemptionCommit, RedemptionPageQuery } from "../core/ports.js";
import type { RedemptionRecord } from "../core/records.js";
import { atShop, recipientsOf } from "./event-recipients.js";
import type { DB } from "./schema.js";
import { checkFault, type StoreScope } from "./scope.js";
import { readSqlFile, TemplateStatement } from "./sql-file.js";

const COMMIT = new TemplateStatement<{
  vouchers_moved: string;
  executions_moved: string;
  subs_moved: string;
  redemptions_written: string;
  events_written: string;
}>("commit_redemption", readSqlFile("commit-redemption.sql").commit_redemption as string);

/**
 * Writes a redemption (see core/ports.ts RedemptionCommit). An armed `redeem.update_conflict`
 * fault makes every move name a version no record has, so the moves really match nothing.
 */
export async function commitRedemption(
  scope: StoreScope,
  commit: RedemptionCommit,
  ctx: ReadContext,
): Promise<{ moved: number; written: boolean }> {
  const conflict = ctx.fault ? scope.faults.fires(ctx.fault, ctx.merchantId) : false;
  const moves = (table: string, list: readonly ConditionalMove[]) => ({
    [`${table}_ids`]: list.map((m) => m.itemOrderId),
    [`${table}_versions`]: list.map((m) => (conflict ? -1 : m.fromVersion)),
    [`${table}_from_statuses`]: list.map((m) => m.fromStatus),
    [`${table}_to_statuses`]: list.map((m) => m.toStatus),
  });
  const { fields, redemption, event } = commit;
  const query = COMMIT.bind({
    ...moves("voucher", commit.vouchers),
    ...moves("execution", commit.executions),
    ...moves("sub", commit.subs),
    item_count: commit.vouchers.length,
    redeem_id: fields.redeemId,
    redeemed_shop_id: fields.redeemedShopId,
    redeemed_third_shop_id: fields.redeemedThirdShopId,
    redemption_source: fields.redemptionSource,
    redeem_time: fields.redeemTime,
    redemption_id: redemption.redeemId,
    shop_order_id: redemption.shopOrderId,
    app_id: redemption.appId,
    merchant_id: redemption.merchantId,
    shop_id: redemption.shopId,
    third_shop_id: redemption.thirdShopId,
    source: redemption.source,
    codes: [...redemption.codes],
    item_order_ids: [...redemption.itemOrderIds],
    redemption_time: redemption.redeemTime,
    redemption_status: redemption.status,
    cancel_time: redemption.cancelTime,
    event_id: event.eventId,
    event_type: event.eventType,
    event_shop_order_id: event.shopOrderId,
    event_merchant_id: event.merchantId,
    event_app_id: event.appId,
    event_time: event.createTime,
    event_content: JSON.stringify(event.content),
    event_recipients: recipientsOf(event.merchantId, atShop(redemption.thirdShopId)),
  });
  const row = (await query.execute(scope.db)).rows[0];
  const moved =
    Number(row?.vouchers_moved ?? 0) + Number(row?.executions_moved ?? 0) + Number(row?.subs_moved ?? 0);
  return {
    moved,
    written: Number(row?.redemptions_written ?? 0) === 1 && Number(row?.events_written ?? 0) === 1,
  };
}

/** Marks a redemption cancelled if it is still REDEEMED; false when it was not. */
export async function cancelRedemption(
  scope: StoreScope,
  redeemId: string,
  cancelTime: number,
): Promise<boolean> {
  const result = await scope.db
    .updateTable("redemptions")
    .set({ status: "CANCELLED", cancel_time: cancelTime })
    .where("redeem_id", "=", redeemId)
    .where("status", "=", "REDEEMED")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function redemption(
  scope: StoreScope,
  redeemId: string,
  ctx: ReadContext,
): Promise<RedemptionRecord | null> {
  checkFault(scope.faults, ctx);
  const row = await scope.db
    .selectFrom("redemptions")
    .selectAll()
    .where("redeem_id", "=", redeemId)
    .executeTakeFirst();
  return row ? toRedemption(row) : null;
}

/** Redemptions of a shop order at or after a time, cancelled ones included (a QR is spent by any). */
export async function redemptionsOfOrderSince(
  scope: StoreScope,
  shopOrderId: string,
  since: number,
  ctx: ReadContext,
): Promise<RedemptionRecord[]> {
  checkFault(scope.faults, ctx);
  const rows = await scope.db
    .selectFrom("redemptions")
    .selectAll()
    .where("shop_order_id", "=", shopOrderId)
    .where("redeem_time", ">=", String(since))
    .execute();
  return rows.map(toRedemption);
}

/** Newest first, keyset-paged by (redeem_time, redeem_id) so pages stay stable under inserts. */
export async function redemptionPage(
  scope: StoreScope,
  page: RedemptionPageQuery,
  ctx: ReadContext,
): Promise<RedemptionRecord[]> {
  checkFault(scope.faults, ctx);
  let query = scope.db
    .selectFrom("redemptions")
    .selectAll()
    .where("merchant_id", "=", page.merchantId)
    .where("redeem_time", ">=", String(page.startTime))
    .where("redeem_time", "<", String(page.endTime));
  if (page.thirdShopIds.length > 0) query = query.where("third_shop_id", "in", page.thirdShopIds);
  if (page.after) {
    const after = page.after;
    query = query.where((eb) =>
      eb.or([
        eb("redeem_time", "<", String(after.redeemTime)),
        eb.and([eb("redeem_time", "=", String(after.redeemTime)), eb("redeem_id", "<", after.redeemId)]),
      ]),
    );
  }
  const rows = await query
    .orderBy("redeem_time", "desc")
    .orderBy("redeem_id", "desc")
    .limit(page.size)
    .execute();
  return rows.map(toRedemption);
}

export function toRedemption(
  row: DB["redemptions"] extends infer T ? { [K in keyof T]: unknown } : never,
): RedemptionRecord {
  return {
    redeemId: String(row.redeem_id),
    shopOrderId: String(row.shop_order_id),
    appId: row.app_id === null ? null : String(row.app_id),
    merchantId: String(row.merchant_id),
    shopId: String(row.shop_id),
    thirdShopId: String(row.third_shop_id),
    source: Number(row.source),
    codes: row.codes as string[],
    itemOrderIds: row.item_order_ids as string[],
    redeemTime: Number(row.redeem_time),
    status: row.status as RedemptionRecord["status"],
    cancelTime: row.cancel_time === null ? null : Number(row.cancel_time),
  };
}
