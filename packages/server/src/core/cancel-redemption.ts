/**
 * Cancelling a redemption (ext): only the merchant that redeemed, only within the cancel window,
 * only while all its codes are still FINISH; all of them go back to WAIT_FULFILL together.
 * Each refusal is its C row; a store that fails is C7.
 */
import type { RowId } from "../domain/catalogue.js";
import { moveItems } from "./move-items.js";
import type { BusinessClock, FulfillmentStore, IdSource } from "./ports.js";
import { describeError, fail, ok, type Result, stop, stopped } from "./result.js";

export interface CancelCommand {
  readonly merchantId: string;
  readonly appId: string | null;
  /** When given, the redemption must have happened at this shop. */
  readonly thirdShopId: string | null;
  readonly redeemId: string;
}

export interface Cancelled {
  readonly redeemId: string;
  readonly cancelTime: number;
}

/** Why a cancel is refused (the cause in the request log), and its row. */
const REFUSALS = {
  not_found: "C1",
  window_closed: "C2",
  already_cancelled: "C3",
  moved_on: "C4",
  conflict: "C5",
} as const satisfies Record<string, RowId>;
type Refusal = keyof typeof REFUSALS;

export interface CancelDeps {
  readonly store: FulfillmentStore;
  readonly clock: BusinessClock;
  readonly ids: IdSource;
  readonly cancelWindowSeconds: number;
}

/** Ends the cancel (rolling back) on this refusal's row. */
function refuse(reason: Refusal): never {
  return stop(REFUSALS[reason], reason);
}

export async function cancelRedemption(deps: CancelDeps, cmd: CancelCommand): Promise<Result<Cancelled>> {
  const ctx = { merchantId: cmd.merchantId, fault: null };
  try {
    return await deps.store.transaction(async (tx) => {
      const r = await tx.redemption(cmd.redeemId, ctx);
      if (
        !r ||
        r.merchantId !== cmd.merchantId ||
        (cmd.thirdShopId !== null && r.thirdShopId !== cmd.thirdShopId)
      ) {
        refuse("not_found");
      }
      if (r.status === "CANCELLED") refuse("already_cancelled");
      const now = deps.clock.now();
      if (now >= r.redeemTime + deps.cancelWindowSeconds) refuse("window_closed");
      const cleared = {
        redeemId: null,
        redeemedShopId: null,
        redeemedThirdShopId: null,
        redemptionSource: null,
        redeemTime: null,
      };
      const moved = await moveItems(tx, r.itemOrderIds, "cancel_redeem", ctx, cleared);
      if (!moved.ok) refuse(moved.row === "conflict" ? "conflict" : "moved_on");
      if (!(await tx.cancelRedemption(r.redeemId, now))) refuse("conflict");
      const order = await tx.shopOrder(r.merchantId, r.shopOrderId, ctx);
      await tx.insertEvent({
        eventId: deps.ids.next(),
        eventType: "ttls.fulfill.redeem_cancel.result",
        shopOrderId: r.shopOrderId,
        merchantId: r.merchantId,
        appId: cmd.appId,
        userId: order?.userId ?? "0",
        createTime: now,
        audience: { thirdShopId: r.thirdShopId },
        content: {
          shop_order_id: r.shopOrderId,
          redeem_id: r.redeemId,
          item_ids: r.itemOrderIds,
          codes: r.codes,
          third_shop_id: r.thirdShopId,
          cancel_time: now,
        },
      });
      return ok({ redeemId: r.redeemId, cancelTime: now });
    });
  } catch (err) {
    const failure = stopped(err);
    if (failure) return failure;
    return fail("C7", describeError(err));
  }
}
