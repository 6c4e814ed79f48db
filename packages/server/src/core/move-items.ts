/**
 * Moves items through the state machine inside a transaction, for every writer but redeem
 * (whose checks answer catalogue rows of their own, core/redeem-codes.ts): lock the vouchers
 * (every writer locks them first, in id order), read the three records, take the moves from the
 * domain's `planMoves`, and apply them with conditional versioned updates.
 */
import { type ItemEvent, type ItemRecords, type ItemState, planMoves } from "../domain/item-state.js";
import type { FulfillmentTx, ReadContext, VoucherRedemptionFields } from "./ports.js";
import { fail, ok, type Result } from "./result.js";

/**
 * Why items did not move: one has no records (`missing`), the state machine refuses one
 * (`refused`), or a concurrent writer moved one first (`conflict`). Each caller answers its own row.
 */
export type MoveRefusal = "missing" | "refused" | "conflict";

/** Each item's state before the moves, or why nothing moved. */
export type MoveResult = Result<ItemState[], MoveRefusal>;

export async function moveItems(
  tx: FulfillmentTx,
  itemOrderIds: readonly string[],
  event: ItemEvent,
  ctx: ReadContext,
  voucherFields: VoucherRedemptionFields | null = null,
): Promise<MoveResult> {
  const ids = [...new Set(itemOrderIds)].sort((a, b) =>
    BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0,
  );
  await tx.lockVouchers(ids);
  const [vouchers, executions, subs] = [
    await tx.vouchersByItems(ids, ctx),
    await tx.executionOrders(ids, ctx),
    await tx.subOrders(ids, ctx),
  ];
  const voucherById = new Map(vouchers.map((r) => [r.itemOrderId, r]));
  const executionById = new Map(executions.map((r) => [r.itemOrderId, r]));
  const subById = new Map(subs.map((r) => [r.itemOrderId, r]));
  const items: ItemRecords[] = [];
  for (const id of ids) {
    const voucher = voucherById.get(id);
    const execution = executionById.get(id);
    const sub = subById.get(id);
    if (!voucher || !execution || !sub) {
      // Items are answered in id order: a refusal of an earlier item comes first.
      const earlier = planMoves(items, event).refused;
      if (earlier)
        return fail(
          "refused",
          `item ${earlier.itemOrderId} cannot ${event} from ${stateText(earlier.state)}`,
        );
      return fail("missing", `item ${id} has no records`);
    }
    items.push({ voucher, execution, sub });
  }
  const plan = planMoves(items, event, voucherFields !== null);
  if (plan.refused)
    return fail(
      "refused",
      `item ${plan.refused.itemOrderId} cannot ${event} from ${stateText(plan.refused.state)}`,
    );
  const noFault: ReadContext = { merchantId: ctx.merchantId, fault: null };
  const moved =
    (await tx.moveVouchers(plan.vouchers, voucherFields, noFault)) +
    (await tx.moveExecutionOrders(plan.executions, noFault)) +
    (await tx.moveSubOrders(plan.subs, noFault));
  if (moved !== plan.vouchers.length + plan.executions.length + plan.subs.length)
    return fail("conflict", "a concurrent writer moved an item first");
  return ok(plan.before);
}

function stateText(s: ItemState): string {
  return `${s.voucher}/${s.execution}/${s.sub}`;
}
