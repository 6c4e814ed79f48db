/**
 * The three state machines of one item (voucher, execution order, sub-fulfillment order) and
 * the rule that binds them: the system moves an item only between agreeing states
 * (CONTRACT.md section 5). Refund progress lives on the sub-fulfillment order only.
 */
import type { FulfillStatus } from "./status.js";

export type VoucherStatus = Exclude<FulfillStatus, "AFTER_SALE_PROCESSING">;
export type ExecutionStatus = Exclude<FulfillStatus, "AFTER_SALE_PROCESSING">;
export type SubOrderStatus = FulfillStatus;

export interface ItemState {
  readonly voucher: FulfillStatus;
  readonly execution: FulfillStatus;
  readonly sub: FulfillStatus;
}

export type ItemEvent =
  /** payment confirmed: the code becomes usable */
  | "pay"
  /** redemption (write-off) */
  | "redeem"
  /** a redemption cancelled within its window */
  | "cancel_redeem"
  /** the customer asked for a refund: after-sale in progress */
  | "refund_request"
  /** the after-sale was approved: refunded, before or after use */
  | "refund_approve"
  /** the after-sale was closed without a refund: back to where it was */
  | "refund_close"
  /** an expired unused voucher refunds itself (apply_source 1) */
  | "expire_refund";

export const ITEM_EVENTS: readonly ItemEvent[] = [
  "pay",
  "redeem",
  "cancel_redeem",
  "refund_request",
  "refund_approve",
  "refund_close",
  "expire_refund",
];

/** The agreeing triples of CONTRACT.md section 5. */
export function agrees(s: ItemState): boolean {
  if (s.voucher === "INIT") return s.execution === "INIT" && s.sub === "INIT";
  if (s.voucher === "WAIT_FULFILL" || s.voucher === "FINISH") {
    return s.execution === s.voucher && (s.sub === s.voucher || s.sub === "AFTER_SALE_PROCESSING");
  }
  if (s.voucher === "AFTER_SALE_SUCCESS") {
    return s.execution === "AFTER_SALE_SUCCESS" && s.sub === "AFTER_SALE_SUCCESS";
  }
  return false;
}

const all = (status: FulfillStatus): ItemState => ({ voucher: status, execution: status, sub: status });

/**
 * The next state of an item, or null when the event is not allowed from this state.
 * Only agreeing states are accepted and produced.
 */
export function nextItemState(state: ItemState, event: ItemEvent): ItemState | null {
  if (!agrees(state)) return null;
  const inAfterSale = state.sub === "AFTER_SALE_PROCESSING";
  switch (event) {
    case "pay":
      return state.voucher === "INIT" ? all("WAIT_FULFILL") : null;
    case "redeem":
      return state.voucher === "WAIT_FULFILL" && !inAfterSale ? all("FINISH") : null;
    case "cancel_redeem":
      return state.voucher === "FINISH" && !inAfterSale ? all("WAIT_FULFILL") : null;
    case "refund_request":
      return (state.voucher === "WAIT_FULFILL" || state.voucher === "FINISH") && !inAfterSale
        ? { ...state, sub: "AFTER_SALE_PROCESSING" }
        : null;
    case "refund_approve":
      return inAfterSale ? all("AFTER_SALE_SUCCESS") : null;
    case "refund_close":
      // The voucher remembers where the item was before the after-sale opened.
      return inAfterSale ? { ...state, sub: state.voucher } : null;
    case "expire_refund":
      return state.voucher === "WAIT_FULFILL" && !inAfterSale ? all("AFTER_SALE_SUCCESS") : null;
  }
}

/** TTLS redemption_status of an item: the refund progress of the sub-order wins. */
export function itemRedemptionStatus(state: ItemState): FulfillStatus {
  if (state.sub === "AFTER_SALE_PROCESSING") return "AFTER_SALE_PROCESSING";
  if (state.sub === "AFTER_SALE_SUCCESS") return "AFTER_SALE_SUCCESS";
  return state.voucher;
}

/** A record of an item as it was read: what a conditional move starts from. */
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

/** One record's move: applied only if the record still has the version and status that were read. */
export interface ConditionalMove {
  readonly itemOrderId: string;
  readonly fromVersion: number;
  readonly fromStatus: FulfillStatus;
  readonly toStatus: FulfillStatus;
}

export interface PlannedMoves {
  readonly vouchers: ConditionalMove[];
  readonly executions: ConditionalMove[];
  readonly subs: ConditionalMove[];
  /** Each item's state before the moves, in the order given. */
  readonly before: ItemState[];
  /** The first item the state machine refuses (nothing may then be applied), or null. */
  readonly refused: { readonly itemOrderId: string; readonly state: ItemState } | null;
}

/**
 * The conditional moves that take each item to the state `nextItemState` gives for the event: a
 * record moves when its status changes (a voucher also when `voucherAlways`: fields are written
 * on it), from the version and status that were read. Every writer takes its moves from here,
 * so the transition is this file's everywhere (the SQL applies the statuses it is given).
 */
export function planMoves(
  items: readonly ItemRecords[],
  event: ItemEvent,
  voucherAlways = false,
): PlannedMoves {
  const plan: PlannedMoves = { vouchers: [], executions: [], subs: [], before: [], refused: null };
  const move = (record: ReadRecord, to: FulfillStatus): ConditionalMove => ({
    itemOrderId: record.itemOrderId,
    fromVersion: record.version,
    fromStatus: record.status,
    toStatus: to,
  });
  for (const { voucher, execution, sub } of items) {
    const state: ItemState = { voucher: voucher.status, execution: execution.status, sub: sub.status };
    const next = nextItemState(state, event);
    if (!next) return { ...plan, refused: { itemOrderId: voucher.itemOrderId, state } };
    plan.before.push(state);
    if (next.voucher !== state.voucher || voucherAlways) plan.vouchers.push(move(voucher, next.voucher));
    if (next.execution !== state.execution) plan.executions.push(move(execution, next.execution));
    if (next.sub !== state.sub) plan.subs.push(move(sub, next.sub));
  }
  return plan;
}
