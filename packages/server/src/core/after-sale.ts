/**
 * After-sales: a refund request puts the items' sub-fulfillment orders in progress; approval
 * refunds all three records; closing returns the items to where they were. Automatic refund
 * of expired unused vouchers (apply_source 1). Each change writes one outbox event.
 */
import type { ItemEvent } from "../domain/item-state.js";
import { moveItems } from "./move-items.js";
import type { BusinessClock, FulfillmentStore, FulfillmentTx, IdSource } from "./ports.js";
import type { AfterSaleOrderRecord } from "./records.js";
import { ok, type Result, stop, stopped } from "./result.js";

export const APPLY_SOURCE = {
  EXPIRE_AUTO_REFUND: 1,
  USER_REFUND_BEFORE_FULFILL: 2,
  USER_REFUND_AFTER_FULFILL: 3,
} as const;

export const AFTER_SALE_EVENT = {
  AFTER_SALE_SUCCESS: "AFTER_SALE_SUCCESS",
  AFTER_SALE_CLOSE: "AFTER_SALE_CLOSE",
  AFTER_SALE_CREATE_SUCCESS: "AFTER_SALE_CREATE_SUCCESS",
} as const;

export type AfterSaleFailure = "not_found" | "refused" | "conflict" | "empty";
/**
 * A refused after-sale is a platform error (a generic code, not a catalogue row): `not_found`,
 * or `invalid_params`; the cause is the short reason.
 */
export type AfterSaleOutcome = Result<AfterSaleOrderRecord>;

export interface AfterSaleDeps {
  readonly store: FulfillmentStore;
  readonly clock: BusinessClock;
  readonly ids: IdSource;
}

/** Ends the after-sale (rolling back) on this refusal: `not_found`, else `invalid_params`. */
function refuse(reason: AfterSaleFailure): never {
  return stop(reason === "not_found" ? "not_found" : "invalid_params", reason, {
    message: `after-sale ${reason}`,
  });
}

async function emit(
  deps: AfterSaleDeps,
  tx: FulfillmentTx,
  a: AfterSaleOrderRecord,
  type: string,
  now: number,
): Promise<void> {
  const ctx = { merchantId: a.merchantId, fault: null };
  const order = await tx.shopOrder(a.merchantId, a.shopOrderId, ctx);
  await tx.insertEvent({
    eventId: deps.ids.next(),
    eventType: "ttls.fulfill.after_sale.result",
    shopOrderId: a.shopOrderId,
    merchantId: a.merchantId,
    appId: null,
    userId: order?.userId ?? "0",
    createTime: now,
    audience: { snapshotsOf: a.itemOrderIds },
    content: {
      after_sale_event_type: type,
      shop_order_id: a.shopOrderId,
      item_ids: a.itemOrderIds,
      apply_source: a.applySource,
      after_sale_order_id: a.afterSaleOrderId,
      user_id: order?.userId ?? "0",
    },
  });
}

async function run(
  deps: AfterSaleDeps,
  work: (tx: FulfillmentTx) => Promise<AfterSaleOrderRecord>,
): Promise<AfterSaleOutcome> {
  try {
    return ok(await deps.store.transaction(work));
  } catch (err) {
    const failure = stopped(err);
    if (failure) return failure;
    throw err;
  }
}

/** The customer asks for a refund of some items of a shop order (before or after use). */
export function requestRefund(
  deps: AfterSaleDeps,
  merchantId: string,
  shopOrderId: string,
  itemOrderIds: readonly string[],
): Promise<AfterSaleOutcome> {
  return run(deps, async (tx) => {
    if (itemOrderIds.length === 0) refuse("empty");
    const ctx = { merchantId, fault: null };
    const vouchers = await tx.vouchersByItems(itemOrderIds, ctx);
    if (
      vouchers.length !== new Set(itemOrderIds).size ||
      vouchers.some((v) => v.shopOrderId !== shopOrderId || v.merchantId !== merchantId)
    ) {
      refuse("not_found");
    }
    const moved = await moveItems(tx, itemOrderIds, "refund_request", ctx);
    if (!moved.ok) refuse(moved.row === "conflict" ? "conflict" : "refused");
    const now = deps.clock.now();
    const used = moved.value.some((s) => s.voucher === "FINISH");
    const a: AfterSaleOrderRecord = {
      afterSaleOrderId: deps.ids.next(),
      shopOrderId,
      merchantId,
      itemOrderIds: [...new Set(itemOrderIds)],
      status: "PROCESSING",
      applySource: used ? APPLY_SOURCE.USER_REFUND_AFTER_FULFILL : APPLY_SOURCE.USER_REFUND_BEFORE_FULFILL,
      createTime: now,
      updateTime: now,
    };
    await tx.insertAfterSaleOrder(a);
    await emit(deps, tx, a, AFTER_SALE_EVENT.AFTER_SALE_CREATE_SUCCESS, now);
    return a;
  });
}

function settle(
  deps: AfterSaleDeps,
  merchantId: string,
  afterSaleOrderId: string,
  approve: boolean,
): Promise<AfterSaleOutcome> {
  return run(deps, async (tx) => {
    const ctx = { merchantId, fault: null };
    const a = await tx.afterSaleOrder(afterSaleOrderId, ctx);
    if (!a || a.merchantId !== merchantId) refuse("not_found");
    if (a.status !== "PROCESSING") refuse("refused");
    const event: ItemEvent = approve ? "refund_approve" : "refund_close";
    const moved = await moveItems(tx, a.itemOrderIds, event, ctx);
    if (!moved.ok) refuse(moved.row === "conflict" ? "conflict" : "refused");
    const now = deps.clock.now();
    const to = approve ? "SUCCESS" : "CLOSED";
    if (!(await tx.updateAfterSaleOrder(a.afterSaleOrderId, "PROCESSING", to, now))) refuse("conflict");
    const done = { ...a, status: to, updateTime: now } as const;
    await emit(
      deps,
      tx,
      done,
      approve ? AFTER_SALE_EVENT.AFTER_SALE_SUCCESS : AFTER_SALE_EVENT.AFTER_SALE_CLOSE,
      now,
    );
    return done;
  });
}

export const approveRefund = (deps: AfterSaleDeps, merchantId: string, id: string) =>
  settle(deps, merchantId, id, true);
export const closeRefund = (deps: AfterSaleDeps, merchantId: string, id: string) =>
  settle(deps, merchantId, id, false);

/** apply_source 1: an expired, unused voucher of a product that says so refunds itself. */
export function refundExpired(
  deps: AfterSaleDeps,
  merchantId: string,
  shopOrderId: string,
  itemOrderIds: readonly string[],
): Promise<AfterSaleOutcome> {
  return run(deps, async (tx) => {
    const ctx = { merchantId, fault: null };
    const moved = await moveItems(tx, itemOrderIds, "expire_refund", ctx);
    if (!moved.ok) refuse(moved.row === "conflict" ? "conflict" : "refused");
    const now = deps.clock.now();
    const a: AfterSaleOrderRecord = {
      afterSaleOrderId: deps.ids.next(),
      shopOrderId,
      merchantId,
      itemOrderIds: [...itemOrderIds],
      status: "SUCCESS",
      applySource: APPLY_SOURCE.EXPIRE_AUTO_REFUND,
      createTime: now,
      updateTime: now,
    };
    await tx.insertAfterSaleOrder(a);
    await emit(deps, tx, a, AFTER_SALE_EVENT.AFTER_SALE_SUCCESS, now);
    return a;
  });
}

/** One sweep of expired unused vouchers that refund themselves; returns the after-sales made. */
export async function sweepExpiredRefunds(deps: AfterSaleDeps, limit = 500): Promise<AfterSaleOrderRecord[]> {
  const due = await deps.store.primary.expiredUnusedItems(deps.clock.now(), limit);
  const byOrder = new Map<string, { merchantId: string; items: string[] }>();
  for (const d of due) {
    const entry = byOrder.get(d.shopOrderId) ?? { merchantId: d.merchantId, items: [] };
    entry.items.push(d.itemOrderId);
    byOrder.set(d.shopOrderId, entry);
  }
  const made: AfterSaleOrderRecord[] = [];
  for (const [shopOrderId, { merchantId, items }] of byOrder) {
    const r = await refundExpired(deps, merchantId, shopOrderId, items);
    if (r.ok) made.push(r.value);
  }
  return made;
}
