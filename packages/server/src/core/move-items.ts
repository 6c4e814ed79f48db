/**
 * Moves items through the state machine inside a transaction: lock the vouchers (every writer
 * locks them first, in id order), read the three records, ask the domain for the next state,
 * and apply it with conditional versioned updates. `moveItems` serves every writer except
 * redeem, whose checks answer catalogue rows of their own; redeem takes its moves from
 * `planMoves` too, so the transition is the domain's everywhere.
 */
import { type ItemEvent, type ItemState, nextItemState } from "../domain/item-state.js";
import type { FulfillStatus } from "../domain/status.js";
import type { ConditionalMove, FulfillmentTx, ReadContext, VoucherRedemptionFields } from "./ports.js";

export type MoveOutcome =
  | { readonly ok: true; readonly before: ItemState[] }
  | {
      readonly ok: false;
      readonly reason: "missing" | "refused" | "conflict";
      readonly itemOrderId?: string;
      readonly state?: ItemState;
    };

/** A record of an item as it was read. */
export interface ReadRecord {
  readonly itemOrderId: string;
  readonly version: number;
  readonly status: FulfillStatus;
}

/** The three records of one item, as read. */
export interface ItemRecords {
  readonly voucher: ReadRecord;
  readonly execution: ReadRecord;
  readonly sub: ReadRecord;
}

export interface PlannedMoves {
  readonly vouchers: ConditionalMove[];
  readonly executions: ConditionalMove[];
  readonly subs: ConditionalMove[];
  /** Each item's state before the moves, in the order given. */
  readonly before: ItemState[];
}

/**
 * The conditional moves that take each item to the state the domain gives for the event: a
 * record moves when its status changes (a voucher also when `voucherAlways`: fields written on
 * it), from the version and status that were read. The first item the domain refuses, if any.
 */
export function planMoves(
  items: readonly ItemRecords[],
  event: ItemEvent,
  voucherAlways = false,
):
  | { readonly ok: true; readonly moves: PlannedMoves }
  | { readonly ok: false; itemOrderId: string; state: ItemState } {
  const moves: PlannedMoves = { vouchers: [], executions: [], subs: [], before: [] };
  const move = (record: ReadRecord, to: FulfillStatus): ConditionalMove => ({
    itemOrderId: record.itemOrderId,
    fromVersion: record.version,
    fromStatus: record.status,
    toStatus: to,
  });
  for (const { voucher, execution, sub } of items) {
    const state: ItemState = { voucher: voucher.status, execution: execution.status, sub: sub.status };
    const next = nextItemState(state, event);
    if (!next) return { ok: false, itemOrderId: voucher.itemOrderId, state };
    moves.before.push(state);
    if (next.voucher !== state.voucher || voucherAlways) moves.vouchers.push(move(voucher, next.voucher));
    if (next.execution !== state.execution) moves.executions.push(move(execution, next.execution));
    if (next.sub !== state.sub) moves.subs.push(move(sub, next.sub));
  }
  return { ok: true, moves };
}

export async function moveItems(
  tx: FulfillmentTx,
  itemOrderIds: readonly string[],
  event: ItemEvent,
  ctx: ReadContext,
  voucherFields: VoucherRedemptionFields | null = null,
): Promise<MoveOutcome> {
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
      const earlier = planMoves(items, event);
      if (!earlier.ok)
        return { ok: false, reason: "refused", itemOrderId: earlier.itemOrderId, state: earlier.state };
      return { ok: false, reason: "missing", itemOrderId: id };
    }
    items.push({ voucher, execution, sub });
  }
  const plan = planMoves(items, event, voucherFields !== null);
  if (!plan.ok) return { ok: false, reason: "refused", itemOrderId: plan.itemOrderId, state: plan.state };
  const { moves } = plan;
  const noFault: ReadContext = { merchantId: ctx.merchantId, fault: null };
  const moved =
    (await tx.moveVouchers(moves.vouchers, voucherFields, noFault)) +
    (await tx.moveExecutionOrders(moves.executions, noFault)) +
    (await tx.moveSubOrders(moves.subs, noFault));
  if (moved !== moves.vouchers.length + moves.executions.length + moves.subs.length)
    return { ok: false, reason: "conflict" };
  return { ok: true, before: moves.before };
}
