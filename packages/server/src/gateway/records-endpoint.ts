/** (ext) query_redeem_record/: the merchant's redemptions, newest first, keyset-paged. */
import type { BusinessClock, FulfillmentReads } from "../core/ports.js";
import type { RedemptionRecord } from "../core/records.js";
import { isDecimalId } from "../core/redeem-codes.js";
import { describeError, fail, ok, type Result } from "../core/result.js";
import { authorize, type Caller, type CallerDeps } from "./caller.js";
import type { RecordsBodyT } from "./saas-schemas.js";

export interface RecordsEndpointDeps {
  readonly caller: CallerDeps;
  readonly reads: FulfillmentReads;
  readonly clock: BusinessClock;
  readonly cancelWindowSeconds: number;
}

export type RecordsData = {
  readonly records: Record<string, unknown>[];
  readonly cursor: string;
  readonly has_more: boolean;
};

/** Cursor: "0" for the first page, else "<redeem_time>_<redeem_id>" of the page's last record. */
function parseCursor(cursor: string): { redeemTime: number; redeemId: string } | null | undefined {
  if (cursor === "0") return null;
  const m = /^(\d{1,12})_(\d{1,19})$/.exec(cursor);
  // A redeem id outside int64 is no cursor this endpoint returned (and no bigint the store takes).
  if (!m || !isDecimalId(m[2] as string)) return undefined;
  return { redeemTime: Number(m[1]), redeemId: m[2] as string };
}

export async function recordsEndpoint(
  deps: RecordsEndpointDeps,
  caller: Caller,
  body: RecordsBodyT,
): Promise<Result<RecordsData>> {
  const auth = await authorize(deps.caller, caller, "redeem", body.merchant_id, body.third_shop_id ?? null);
  if (!auth.ok) return auth;
  const after = parseCursor(body.cursor);
  if (after === undefined) return fail("Q1", "unknown cursor");
  if (body.end_time < body.start_time) return fail("Q1", "end_time before start_time");
  const ctx = { merchantId: caller.merchantId, fault: null };
  let page: RedemptionRecord[];
  let finishedBy: Map<string, string | null>;
  try {
    page = await deps.reads.redemptionPage(
      {
        merchantId: caller.merchantId,
        // Without a shop: the shops this caller may act for, never the merchant's others.
        thirdShopIds: body.third_shop_id !== undefined ? [body.third_shop_id] : auth.value.grant.thirdShopIds,
        startTime: body.start_time,
        endTime: body.end_time,
        after,
        size: body.size + 1,
      },
      ctx,
    );
    const items = page.slice(0, body.size).flatMap((r) => (r.status === "REDEEMED" ? r.itemOrderIds : []));
    const vouchers = await deps.reads.vouchersByItems(items, ctx);
    finishedBy = new Map(vouchers.map((v) => [v.itemOrderId, v.status === "FINISH" ? v.redeemId : null]));
  } catch (err) {
    return fail("Q2", describeError(err));
  }
  const hasMore = page.length > body.size;
  const shown = page.slice(0, body.size);
  const now = deps.clock.now();
  const records = shown.map((r) => ({
    redeem_id: r.redeemId,
    shop_order_id: r.shopOrderId,
    codes: r.codes,
    item_order_ids: r.itemOrderIds,
    third_shop_id: r.thirdShopId,
    redeem_time: r.redeemTime,
    redemption_source: r.source,
    status: r.status,
    cancel_time: r.cancelTime ?? 0,
    can_cancel:
      r.status === "REDEEMED" &&
      now < r.redeemTime + deps.cancelWindowSeconds &&
      r.itemOrderIds.every((id) => finishedBy.get(id) === r.redeemId),
  }));
  const last = shown[shown.length - 1];
  return ok({
    records,
    cursor: hasMore && last ? `${last.redeemTime}_${last.redeemId}` : "0",
    has_more: hasMore,
  });
}
