/**
 * The core's fulfillment ports on Kysely, the same code on PGlite and PostgreSQL. This file
 * composes them: each port method is one line naming the aggregate module that implements it
 * (reference-data, item-reads, item-moves, redemptions, after-sales, orders, outbox-insert),
 * and the transaction (its faults, deadline and snapshot) is run here.
 */
import type { Kysely, Transaction } from "kysely";
import type {
  CodeItems,
  ConditionalMove,
  FaultPoints,
  FulfillmentReads,
  FulfillmentStore,
  FulfillmentTx,
  IssuedItem,
  ReadContext,
  RedemptionCommit,
  RedemptionPageQuery,
  TransactionOptions,
  VoucherRedemptionFields,
} from "../core/ports.js";
import type { AfterSaleOrderRecord, OutboxEvent, ShopOrderRecord } from "../core/records.js";
import * as afterSales from "./after-sales.js";
import { DependencyUnavailable } from "./faults.js";
import * as moves from "./item-moves.js";
import * as items from "./item-reads.js";
import * as orders from "./orders.js";
import { insertEvent } from "./outbox-insert.js";
import type { ReadCache, RuleCache } from "./read-cache.js";
import * as redemptions from "./redemptions.js";
import * as reference from "./reference-data.js";
import type { DB } from "./schema.js";
import type { Executor, StoreScope } from "./scope.js";

class KyselyReads implements FulfillmentReads, StoreScope {
  constructor(
    readonly db: Executor,
    readonly faults: FaultPoints,
    /** Rule data only (see StoreScope); reads inside a transaction never use the batcher. */
    readonly cache: RuleCache | null,
    /** Typed-code reads outside transactions, coalesced under load. */
    readonly batcher: items.ItemsBatcher | null,
  ) {}

  merchant(merchantId: string, ctx: ReadContext) {
    return reference.merchant(this, merchantId, ctx);
  }
  shopByThirdId(merchantId: string, thirdShopId: string, ctx: ReadContext) {
    return reference.shopByThirdId(this, merchantId, thirdShopId, ctx);
  }
  products(productIds: readonly string[], ctx: ReadContext) {
    return reference.products(this, productIds, ctx);
  }
  productImages(productIds: readonly string[], ctx: ReadContext) {
    return reference.productImages(this, productIds, ctx);
  }
  holidays(country: string, ctx: ReadContext) {
    return reference.holidays(this, country, ctx);
  }

  itemsByCodes(merchantId: string, codes: readonly string[], ctx: ReadContext): Promise<CodeItems> {
    return items.itemsByCodes(this, this.batcher, merchantId, codes, ctx);
  }
  itemsByShopOrder(merchantId: string, shopOrderId: string, ctx: ReadContext): Promise<CodeItems> {
    return items.itemsByShopOrder(this, merchantId, shopOrderId, ctx);
  }
  vouchersByCodes(merchantId: string, codes: readonly string[], ctx: ReadContext) {
    return items.vouchersByCodes(this, merchantId, codes, ctx);
  }
  vouchersByShopOrder(merchantId: string, shopOrderId: string, ctx: ReadContext) {
    return items.vouchersByShopOrder(this, merchantId, shopOrderId, ctx);
  }
  vouchersByItems(itemOrderIds: readonly string[], ctx: ReadContext) {
    return items.vouchersByItems(this, itemOrderIds, ctx);
  }
  executionOrders(itemOrderIds: readonly string[], ctx: ReadContext) {
    return items.executionOrders(this, itemOrderIds, ctx);
  }
  subOrders(itemOrderIds: readonly string[], ctx: ReadContext) {
    return items.subOrders(this, itemOrderIds, ctx);
  }
  shopSnapshots(itemOrderIds: readonly string[], ctx: ReadContext) {
    return items.shopSnapshots(this, itemOrderIds, ctx);
  }
  shopOrder(merchantId: string, shopOrderId: string, ctx: ReadContext) {
    return items.shopOrder(this, merchantId, shopOrderId, ctx);
  }
  shopOrderById(shopOrderId: string) {
    return items.shopOrderById(this, shopOrderId);
  }

  redemption(redeemId: string, ctx: ReadContext) {
    return redemptions.redemption(this, redeemId, ctx);
  }
  redemptionPage(query: RedemptionPageQuery, ctx: ReadContext) {
    return redemptions.redemptionPage(this, query, ctx);
  }
  redemptionsOfOrderSince(shopOrderId: string, since: number, ctx: ReadContext) {
    return redemptions.redemptionsOfOrderSince(this, shopOrderId, since, ctx);
  }

  afterSaleOrder(afterSaleOrderId: string, ctx: ReadContext) {
    return afterSales.afterSaleOrder(this, afterSaleOrderId, ctx);
  }
  expiredUnusedItems(now: number, limit: number) {
    return afterSales.expiredUnusedItems(this, now, limit);
  }
}

class KyselyTx extends KyselyReads implements FulfillmentTx {
  constructor(db: Transaction<DB>, faults: FaultPoints, cache: ReadCache | null) {
    super(db, faults, cache?.settledOnly ?? null, null);
  }

  itemsByCodesForUpdate(merchantId: string, codes: readonly string[], ctx: ReadContext): Promise<CodeItems> {
    return items.lockedItemsByCodes(this, merchantId, codes, ctx);
  }
  lockVouchers(itemOrderIds: readonly string[]) {
    return moves.lockVouchers(this, itemOrderIds);
  }
  moveVouchers(list: readonly ConditionalMove[], fields: VoucherRedemptionFields | null, ctx: ReadContext) {
    return moves.moveVouchers(this, list, fields, ctx);
  }
  moveExecutionOrders(list: readonly ConditionalMove[], ctx: ReadContext) {
    return moves.moveExecutionOrders(this, list, ctx);
  }
  moveSubOrders(list: readonly ConditionalMove[], ctx: ReadContext) {
    return moves.moveSubOrders(this, list, ctx);
  }

  commitRedemption(commit: RedemptionCommit, ctx: ReadContext) {
    return redemptions.commitRedemption(this, commit, ctx);
  }
  cancelRedemption(redeemId: string, cancelTime: number) {
    return redemptions.cancelRedemption(this, redeemId, cancelTime);
  }

  insertAfterSaleOrder(order: AfterSaleOrderRecord) {
    return afterSales.insertAfterSaleOrder(this, order);
  }
  updateAfterSaleOrder(
    afterSaleOrderId: string,
    from: AfterSaleOrderRecord["status"],
    to: AfterSaleOrderRecord["status"],
    at: number,
  ) {
    return afterSales.updateAfterSaleOrder(this, afterSaleOrderId, from, to, at);
  }

  insertShopOrder(order: ShopOrderRecord, list: readonly IssuedItem[]) {
    return orders.insertShopOrder(this, order, list);
  }
  insertEvent(event: OutboxEvent) {
    return insertEvent(this, event);
  }
}

export class KyselyFulfillmentStore implements FulfillmentStore {
  readonly primary: FulfillmentReads;
  readonly replica: FulfillmentReads;

  constructor(
    readonly db: Kysely<DB>,
    readonly faults: FaultPoints,
    replicaDb?: Kysely<DB>,
    readonly cache: ReadCache | null = null,
  ) {
    this.primary = new KyselyReads(db, faults, cache, items.itemsBatcher(db));
    this.replica = replicaDb
      ? new KyselyReads(replicaDb, faults, cache, items.itemsBatcher(replicaDb))
      : this.primary;
  }

  transaction<T>(fn: (tx: FulfillmentTx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const { signal, commitFault, stallFault, consistentSnapshot } = options;
    // A stalled port waits before taking a connection (as when the pool is exhausted), so the
    // embedded database's single connection stays free for others meanwhile.
    const stall =
      stallFault?.fault && this.faults.fires(stallFault.fault, stallFault.merchantId)
        ? stallUntilAborted(signal)
        : Promise.resolve();
    return stall.then(() => this.#run(fn, signal, commitFault, consistentSnapshot === true));
  }

  #run<T>(
    fn: (tx: FulfillmentTx) => Promise<T>,
    signal: AbortSignal | undefined,
    commitFault: ReadContext | undefined,
    snapshot: boolean,
  ): Promise<T> {
    const builder = snapshot
      ? this.db.transaction().setIsolationLevel("repeatable read")
      : this.db.transaction();
    // The first error the work throws is the one its caller answers on: when the connection is
    // gone, the ROLLBACK that follows fails too, and Kysely would throw that error instead.
    let thrown: { error: unknown } | null = null;
    return builder
      .execute(async (trx) => {
        if (signal?.aborted) throw new Error("deadline passed before the transaction started");
        let result: T;
        try {
          result = await fn(new KyselyTx(trx, this.faults, this.cache));
        } catch (err) {
          thrown = { error: err };
          throw err;
        }
        if (signal?.aborted) throw new Error("deadline passed before commit; rolled back");
        if (commitFault?.fault && this.faults.fires(commitFault.fault, commitFault.merchantId)) {
          throw new DependencyUnavailable(commitFault.fault);
        }
        return result;
      })
      .catch((err: unknown) => {
        throw thrown ? (thrown as { error: unknown }).error : err;
      });
  }
}

/** A slow database, on demand: waits until the caller's deadline has passed (at most 30 s). */
function stallUntilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const cap = setTimeout(resolve, 30_000);
    if (!signal) return;
    if (signal.aborted) {
      clearTimeout(cap);
      resolve();
      return;
    }
    signal.addEventListener("abort", () => {
      clearTimeout(cap);
      setTimeout(resolve, 10);
    });
  });
}
