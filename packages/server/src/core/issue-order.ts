/**
 * Placing a shop order: one item order, one 12-digit code (CSPRNG), one execution order and one
 * sub-fulfillment order per item, and the snapshot of the product's applicable shops taken now.
 */
import { nextItemState } from "../domain/item-state.js";
import {
  type BusinessClock,
  type CodeSource,
  CodeTaken,
  type FulfillmentStore,
  type IdSource,
} from "./ports.js";
import type { ShopOrderRecord } from "./records.js";
import { fail, ok, type Result } from "./result.js";

export interface IssueOrderCommand {
  readonly merchantId: string;
  readonly productId: string;
  readonly userId: string;
  readonly quantity: number;
}

export interface IssuedOrder {
  readonly shopOrderId: string;
  readonly items: { itemOrderId: string; code: string }[];
}

export interface IssueDeps {
  readonly store: FulfillmentStore;
  readonly clock: BusinessClock;
  readonly ids: IdSource;
  readonly codes: CodeSource;
}

/**
 * Failures of this use case are platform errors (generic codes, not catalogue rows) whose
 * message is the short reason.
 */
const refused = (row: "not_found" | "invalid_params", reason: string) =>
  fail(row, reason, { message: reason });

const ATTEMPTS = 5;

export async function issueShopOrder(deps: IssueDeps, cmd: IssueOrderCommand): Promise<Result<IssuedOrder>> {
  if (!Number.isInteger(cmd.quantity) || cmd.quantity < 1 || cmd.quantity > 100)
    return refused("invalid_params", "quantity_invalid");
  const ctx = { merchantId: cmd.merchantId, fault: null };
  const [product] = await deps.store.primary.products([cmd.productId], ctx);
  if (!product || product.merchantId !== cmd.merchantId) return refused("not_found", "product_not_found");
  // Paid at placement: each item leaves INIT for WAIT_FULFILL through the state machine.
  const paid = nextItemState({ voucher: "INIT", execution: "INIT", sub: "INIT" }, "pay");
  if (!paid) throw new Error("the state machine refuses to pay a new item");

  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const order: ShopOrderRecord = {
      shopOrderId: deps.ids.next(),
      merchantId: cmd.merchantId,
      productId: cmd.productId,
      userId: cmd.userId,
      createTime: deps.clock.now(),
    };
    const items = Array.from({ length: cmd.quantity }, () => ({
      itemOrderId: deps.ids.next(),
      code: deps.codes.nextCode(),
      productId: product.productId,
      status: paid.voucher,
      startTime: product.validFrom,
      endTime: product.validTo,
      snapshot: product.applicableThirdShopIds,
    }));
    if (new Set(items.map((i) => i.code)).size < items.length) continue;
    try {
      await deps.store.transaction((tx) => tx.insertShopOrder(order, items));
      return ok({
        shopOrderId: order.shopOrderId,
        items: items.map((i) => ({ itemOrderId: i.itemOrderId, code: i.code })),
      });
    } catch (err) {
      // A code collided with an existing one: draw all codes again.
      if (!(err instanceof CodeTaken)) throw err;
    }
  }
  return refused("invalid_params", "codes_exhausted");
}
