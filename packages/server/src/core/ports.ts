/**
 * The core's ports. The store implements them on PGlite and PostgreSQL; the core never sees SQL.
 *
 * Every read names the fault point of the dependency it reads (CONTRACT.md section 7): when a
 * sandbox fault is armed for it, the store's read itself throws, as a real outage would, and
 * the core maps the thrown error to its row the same way it maps a real one.
 */
import type { ConditionalMove } from "../domain/item-state.js";
import type { FulfillStatus } from "../domain/status.js";
import type {
  AfterSaleOrderRecord,
  ExecutionOrderRecord,
  Holiday,
  MerchantRecord,
  OutboxEvent,
  ProductRecord,
  RedemptionRecord,
  ShopOrderRecord,
  ShopRecord,
  ShopSnapshot,
  SubOrderRecord,
  VoucherRecord,
} from "./records.js";

/** Which dependency a read is, and for which merchant (faults may be scoped to one merchant). */
export interface ReadContext {
  readonly merchantId: string;
  readonly fault: string | null;
}

/**
 * The items of some codes with every record a lookup or a redeem reads of them (voucher,
 * execution order, sub-fulfillment order, shop snapshot, the shop order), fetched in one round
 * trip. The records other than the vouchers are handed out by accessors that name their own
 * dependency: an armed fault for it fails there, when the core reaches that stage, so the
 * contract's order of checks holds although the SQL ran once. A real failure of the one query
 * fails the first read (the vouchers).
 */
export interface CodeItems {
  readonly vouchers: readonly VoucherRecord[];
  /**
   * Another dependency this one query served (the shop order, joined; the primary re-read of
   * typed codes when there is no replica): throws when its fault point is armed.
   */
  servedRead(ctx: ReadContext): void;
  executionOrders(ctx: ReadContext): ExecutionOrderRecord[];
  subOrders(ctx: ReadContext): SubOrderRecord[];
  shopSnapshots(ctx: ReadContext): ShopSnapshot[];
}

export interface FulfillmentReads {
  /** The vouchers of these codes of this merchant with their records (see CodeItems). */
  itemsByCodes(merchantId: string, codes: readonly string[], ctx: ReadContext): Promise<CodeItems>;
  /** The vouchers of a shop order of this merchant, in item id order, with their records. */
  itemsByShopOrder(merchantId: string, shopOrderId: string, ctx: ReadContext): Promise<CodeItems>;
  merchant(merchantId: string, ctx: ReadContext): Promise<MerchantRecord | null>;
  shopByThirdId(merchantId: string, thirdShopId: string, ctx: ReadContext): Promise<ShopRecord | null>;
  vouchersByCodes(merchantId: string, codes: readonly string[], ctx: ReadContext): Promise<VoucherRecord[]>;
  vouchersByShopOrder(merchantId: string, shopOrderId: string, ctx: ReadContext): Promise<VoucherRecord[]>;
  vouchersByItems(itemOrderIds: readonly string[], ctx: ReadContext): Promise<VoucherRecord[]>;
  executionOrders(itemOrderIds: readonly string[], ctx: ReadContext): Promise<ExecutionOrderRecord[]>;
  subOrders(itemOrderIds: readonly string[], ctx: ReadContext): Promise<SubOrderRecord[]>;
  shopSnapshots(itemOrderIds: readonly string[], ctx: ReadContext): Promise<ShopSnapshot[]>;
  shopOrder(merchantId: string, shopOrderId: string, ctx: ReadContext): Promise<ShopOrderRecord | null>;
  /** A shop order by id alone, for the platform side (the customer's QR). */
  shopOrderById(shopOrderId: string): Promise<ShopOrderRecord | null>;
  /** Redemptions of a shop order at or after a time, cancelled ones included (a QR is spent by any). */
  redemptionsOfOrderSince(shopOrderId: string, since: number, ctx: ReadContext): Promise<RedemptionRecord[]>;
  products(productIds: readonly string[], ctx: ReadContext): Promise<ProductRecord[]>;
  /** Resolves the image URL of each product (its own dependency in TTLS). */
  productImages(
    productIds: readonly string[],
    ctx: ReadContext,
  ): Promise<{ productId: string; imageUrl: string }[]>;
  holidays(country: string, ctx: ReadContext): Promise<Holiday[]>;
  redemption(redeemId: string, ctx: ReadContext): Promise<RedemptionRecord | null>;
  /** Unused items past their end whose product refunds them by itself (apply_source 1). */
  expiredUnusedItems(
    now: number,
    limit: number,
  ): Promise<{ merchantId: string; shopOrderId: string; itemOrderId: string }[]>;
  /** Newest first, keyset-paged by (redeem_time, redeem_id) so pages stay stable under inserts. */
  redemptionPage(query: RedemptionPageQuery, ctx: ReadContext): Promise<RedemptionRecord[]>;
  afterSaleOrder(afterSaleOrderId: string, ctx: ReadContext): Promise<AfterSaleOrderRecord | null>;
}

export interface RedemptionPageQuery {
  readonly merchantId: string;
  /** The shops whose records are listed; empty: every shop of the merchant. */
  readonly thirdShopIds: readonly string[];
  readonly startTime: number;
  readonly endTime: number;
  /** The last record of the previous page, or null for the first page. */
  readonly after: { readonly redeemTime: number; readonly redeemId: string } | null;
  readonly size: number;
}

/** The domain's move of one record, as the store applies it. */
export type { ConditionalMove };

export interface VoucherRedemptionFields {
  readonly redeemId: string | null;
  readonly redeemedShopId: string | null;
  readonly redeemedThirdShopId: string | null;
  readonly redemptionSource: number | null;
  readonly redeemTime: number | null;
}

/** A read or write lost to a concurrent writer (a serialization failure under REPEATABLE READ). */
export class ConcurrentWriteLost extends Error {}

export interface FulfillmentTx extends FulfillmentReads {
  /**
   * itemsByCodes that also row-locks the vouchers, in item id order (every writer locks vouchers
   * first and in that order, so writers never deadlock). Under REPEATABLE READ a voucher a
   * concurrent writer changed after this transaction's snapshot fails with a serialization error.
   */
  itemsByCodesForUpdate(merchantId: string, codes: readonly string[], ctx: ReadContext): Promise<CodeItems>;
  /** Row-locks the vouchers in item id order; every writer takes these first, so writers never deadlock. */
  lockVouchers(itemOrderIds: readonly string[]): Promise<void>;
  /** Conditional versioned updates; each returns how many records moved (fewer = a concurrent writer won). */
  moveVouchers(
    moves: readonly ConditionalMove[],
    fields: VoucherRedemptionFields | null,
    ctx: ReadContext,
  ): Promise<number>;
  moveExecutionOrders(moves: readonly ConditionalMove[], ctx: ReadContext): Promise<number>;
  moveSubOrders(moves: readonly ConditionalMove[], ctx: ReadContext): Promise<number>;
  /** Marks a redemption cancelled if it is still REDEEMED; false when it was not. */
  cancelRedemption(redeemId: string, cancelTime: number): Promise<boolean>;
  insertAfterSaleOrder(a: AfterSaleOrderRecord): Promise<void>;
  updateAfterSaleOrder(
    id: string,
    from: AfterSaleOrderRecord["status"],
    to: AfterSaleOrderRecord["status"],
    at: number,
  ): Promise<boolean>;
  insertEvent(e: OutboxEvent): Promise<void>;
  /**
   * A redemption's writes in one round trip (store/sql/commit-redemption.sql): the three
   * conditional moves (core/move-items.ts planMoves), then the redemption record and its outbox
   * event only if every record moved. Returns how many records moved
   * (fewer than 3 × items = a concurrent writer won; the caller rolls back).
   */
  commitRedemption(c: RedemptionCommit, ctx: ReadContext): Promise<{ moved: number; written: boolean }>;
  /**
   * Inserts a new shop order with its items. Throws `CodeTaken` when an item's code is already
   * another voucher's (its transaction is then void; the caller draws again).
   */
  insertShopOrder(order: ShopOrderRecord, items: readonly IssuedItem[]): Promise<void>;
}

export interface RedemptionCommit {
  readonly vouchers: readonly ConditionalMove[];
  readonly executions: readonly ConditionalMove[];
  readonly subs: readonly ConditionalMove[];
  readonly fields: VoucherRedemptionFields;
  readonly redemption: RedemptionRecord;
  /**
   * The event; its user_id is the shop order's, read in the same statement, and its audience
   * the redemption's shop.
   */
  readonly event: Omit<OutboxEvent, "userId" | "audience">;
}

export interface IssuedItem {
  readonly itemOrderId: string;
  readonly code: string;
  readonly productId: string;
  readonly status: FulfillStatus;
  readonly startTime: number | null;
  readonly endTime: number | null;
  readonly snapshot: readonly string[];
}

export interface TransactionOptions {
  /** Fault point consulted at commit: a commit that fails leaves nothing behind. */
  readonly commitFault?: ReadContext;
  /** When aborted before the commit, the transaction rolls back. */
  readonly signal?: AbortSignal;
  /**
   * One snapshot for every read of the transaction (PostgreSQL REPEATABLE READ): the three
   * records of an item are read as of one instant, and a write that lost to a concurrent
   * writer fails (serialization failure) instead of acting on a mixed view.
   */
  readonly consistentSnapshot?: boolean;
  /** Fault point that stalls the transaction (a slow database) until the signal aborts. */
  readonly stallFault?: ReadContext;
}

export interface FulfillmentStore {
  /** Reads from the primary database. */
  readonly primary: FulfillmentReads;
  /** Reads that may lag (a replica when configured, else the primary). */
  readonly replica: FulfillmentReads;
  transaction<T>(fn: (tx: FulfillmentTx) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

/** The business clock (sandbox can freeze it): windows, hours, holidays, QR lifetime, redemption times. */
export interface BusinessClock {
  now(): number; // Unix seconds
}

/** The real clock: ids, deadlines, rate limits, retries. */
export interface RealClock {
  nowMs(): number;
}

/** Time-ordered int64 ids; throws when generation really fails (clock backwards, sequence exhausted). */
export interface IdSource {
  redeemId(ctx: ReadContext): string;
  eventId(ctx: ReadContext): string;
  /** Ids for platform records (orders, items, after-sales). */
  next(): string;
}

/** Sandbox fault points: armed from section 7, consulted by the store's ports. */
export interface FaultPoints {
  /** True when an armed fault for this point (and merchant) fires now; consumes one of its times. */
  fires(point: string, merchantId: string): boolean;
}

/** A random 12-digit voucher code from a CSPRNG. */
export interface CodeSource {
  nextCode(): string;
}

/**
 * The store's word for a code that collided with an existing voucher's on insert: the issue
 * draws every code again. The only error a port throws on purpose (the insert's transaction
 * must be undone, which a returned value could not do).
 */
export class CodeTaken extends Error {
  constructor() {
    super("an issued code is already taken");
    this.name = "CodeTaken";
  }
}
