/**
 * Moves items through the state machine inside a transaction: lock the vouchers (every writer
 * locks them first, in id order), read the three records, ask the domain for the next state,
 * and apply it with conditional versioned updates. Used by every writer except redeem, whose
 * checks answer catalogue rows of their own.
 */
import { type ItemEvent, type ItemState, nextItemState } from "../domain/item-state.js";
import type { ConditionalMove, FulfillmentTx, ReadContext, VoucherRedemptionFields } from "./ports.js";

export type MoveOutcome =
  | { readonly ok: true; readonly before: ItemState[] }
  | {
      readonly ok: false;
      readonly reason: "missing" | "refused" | "conflict";
      readonly itemOrderId?: string;
      readonly state?: ItemState;
    };

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
  const v = new Map(vouchers.map((r) => [r.itemOrderId, r]));
  const e = new Map(executions.map((r) => [r.itemOrderId, r]));
  const s = new Map(subs.map((r) => [r.itemOrderId, r]));
  const voucherMoves: ConditionalMove[] = [];
  const execMoves: ConditionalMove[] = [];
  const subMoves: ConditionalMove[] = [];
  const before: ItemState[] = [];
  for (const id of ids) {
    const vr = v.get(id);
    const er = e.get(id);
    const sr = s.get(id);
    if (!vr || !er || !sr) return { ok: false, reason: "missing", itemOrderId: id };
    const state: ItemState = { voucher: vr.status, execution: er.status, sub: sr.status };
    const next = nextItemState(state, event);
    if (!next) return { ok: false, reason: "refused", itemOrderId: id, state };
    before.push(state);
    const move = (
      r: { itemOrderId: string; version: number; status: ItemState["voucher"] },
      to: ItemState["voucher"],
    ) => ({
      itemOrderId: r.itemOrderId,
      fromVersion: r.version,
      fromStatus: r.status,
      toStatus: to,
    });
    if (next.voucher !== state.voucher || voucherFields) voucherMoves.push(move(vr, next.voucher));
    if (next.execution !== state.execution) execMoves.push(move(er, next.execution));
    if (next.sub !== state.sub) subMoves.push(move(sr, next.sub));
  }
  const noFault: ReadContext = { merchantId: ctx.merchantId, fault: null };
  const moved =
    (await tx.moveVouchers(voucherMoves, voucherFields, noFault)) +
    (await tx.moveExecutionOrders(execMoves, noFault)) +
    (await tx.moveSubOrders(subMoves, noFault));
  if (moved !== voucherMoves.length + execMoves.length + subMoves.length)
    return { ok: false, reason: "conflict" };
  return { ok: true, before };
}
