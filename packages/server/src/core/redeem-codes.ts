/**
 * redeem_code in the fulfillment core: all codes in one transaction or none, the checks in
 * the contract's order, and conditional versioned updates of the three records of each item.
 */
import type { RowId } from "../domain/catalogue.js";
import { planMoves } from "../domain/item-state.js";
import { REDEMPTION_SOURCE } from "../domain/status.js";
import type { UsageRules } from "../domain/usable-time.js";
import {
  type CodeResolution,
  executionCheck,
  resolveCodes,
  subOrderCheck,
  voucherCheck,
} from "./item-checks.js";
import {
  type BusinessClock,
  ConcurrentWriteLost,
  type FulfillmentStore,
  type IdSource,
  type ReadContext,
} from "./ports.js";
import type { ExecutionOrderRecord, ProductRecord, SubOrderRecord, VoucherRecord } from "./records.js";
import { describeError, fail, ok, type Result, Stop, stop, stopped } from "./result.js";

export interface RedeemCommand {
  readonly appId: string | null;
  readonly merchantId: string;
  readonly timezone: string;
  readonly country: string;
  readonly shopId: string;
  readonly thirdShopId: string;
  readonly shopOrderId: string;
  readonly codes: readonly string[];
  readonly source?: number;
  /** The shops the caller may act for (its grant's); absent or empty: every shop of the merchant. */
  readonly callerShops?: readonly string[];
}

/** The answer, and which codes resolved for the caller once their vouchers were read. */
export type RedeemResult = Result<Redeemed> & { readonly resolution?: CodeResolution };

export interface Redeemed {
  readonly redeemId: string;
  readonly redeemTime: number;
  readonly itemOrderIds: string[];
}

export interface RedeemDeps {
  readonly store: FulfillmentStore;
  readonly clock: BusinessClock;
  readonly ids: IdSource;
  /** The core's deadline (R9), real time. */
  readonly deadlineMs: number;
  /**
   * Whether an error means the database could not be reached or the connection was lost (the
   * store's classifier): such a failure is the stage's read row, or R13, never R34, which says
   * a concurrent writer won.
   */
  readonly isUnavailable: (error: unknown) => boolean;
}

const ID_PATTERN = /^\d{1,19}$/;
const INT64_MAX = 9223372036854775807n;
const CODE_PATTERN = /^\d{12}$/;

export function isDecimalId(s: string): boolean {
  return ID_PATTERN.test(s) && BigInt(s) <= INT64_MAX && BigInt(s) > 0n;
}

/** One stage of the redeem: its failure ends the redeem on the stage's row. */
async function runStage<T>(
  row: RowId,
  work: () => Promise<T> | T,
  isUnavailable: (error: unknown) => boolean,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof Stop) throw err;
    // Lost to a concurrent writer at any stage: the optimistic-lock row, whatever was being read.
    if (err instanceof ConcurrentWriteLost) return stop("R34", describeError(err));
    // A lost database at the commit is not a lost update: the vouchers could not be written (R13).
    // A read stage already answers its own read row, lost connection or not.
    if (row === "R34" && isUnavailable(err)) return stop("R13", `database lost: ${describeError(err)}`);
    return stop(row, describeError(err));
  }
}

function rulesOf(p: ProductRecord): UsageRules {
  return {
    usableWeekdays: p.usableWeekdays,
    usableHours: p.usableHours,
    holidaysUnavailable: p.holidaysUnavailable,
  };
}

/** Runs the core under its deadline: past it, the caller gets R9 and the transaction rolls back. */
export async function redeemCodes(deps: RedeemDeps, cmd: RedeemCommand): Promise<RedeemResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Result<Redeemed>>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(fail("R9", `core deadline of ${deps.deadlineMs} ms passed`));
    }, deps.deadlineMs);
  });
  const seen: { resolution?: CodeResolution } = {};
  const work = redeemInTransaction(deps, cmd, controller.signal, seen);
  // A core that finishes after the deadline must not leave an unhandled rejection behind.
  work.catch(() => undefined);
  try {
    const result = await Promise.race([work, deadline]);
    return seen.resolution ? { ...result, resolution: seen.resolution } : result;
  } finally {
    clearTimeout(timer);
  }
}

/** The checks in the contract's order and the commit, in one transaction. */
async function redeemInTransaction(
  deps: RedeemDeps,
  cmd: RedeemCommand,
  signal: AbortSignal,
  seen: { resolution?: CodeResolution },
): Promise<Result<Redeemed>> {
  const { merchantId } = cmd;
  const ctx = (fault: string | null): ReadContext => ({ merchantId, fault });
  const stage = <T>(row: RowId, work: () => Promise<T> | T) => runStage(row, work, deps.isUnavailable);

  if (!isDecimalId(cmd.shopOrderId))
    return fail("R10", `shop_order_id ${JSON.stringify(cmd.shopOrderId)} is not a decimal id`);
  let redeemId: string;
  try {
    redeemId = deps.ids.redeemId(ctx("redeem.redeem_id"));
  } catch (err) {
    return fail("R11", describeError(err));
  }
  const badCode = cmd.codes.find((c) => !CODE_PATTERN.test(c));
  if (badCode !== undefined) return fail("R12", "a code is not exactly 12 digits");

  // Whether the transaction began: a database that cannot be reached at all fails before this,
  // and that is a failure to read the vouchers (R13), not a lost update.
  let began = false;
  try {
    return await deps.store.transaction(
      async (tx) => {
        began = true;
        // The vouchers, locked in item id order, with their other records: one round trip. The
        // other records are handed out stage by stage below, each stage failing on its own fault.
        const items = await stage("R13", () =>
          tx.itemsByCodesForUpdate(merchantId, cmd.codes, ctx("redeem.voucher_read")),
        );
        const vouchers = items.vouchers;
        // Judged from the rows just read (no fault point: this is not another read).
        seen.resolution = resolveCodes(
          merchantId,
          cmd.callerShops,
          vouchers,
          items.shopSnapshots({ merchantId, fault: null }),
        );
        const byCode = new Map<string, VoucherRecord>();
        for (const v of vouchers) if (v.shopOrderId === cmd.shopOrderId) byCode.set(v.code, v);
        if (byCode.size < cmd.codes.length) {
          stop(
            "R14",
            `${cmd.codes.length - byCode.size} of ${cmd.codes.length} codes not found in shop order ${cmd.shopOrderId}`,
          );
        }
        const ordered = cmd.codes.map((c) => byCode.get(c) as VoucherRecord);
        const itemIds = ordered.map((v) => v.itemOrderId);
        // The usable-time rules come with the vouchers: they are part of reading them.
        const { products, holidays } = await stage("R13", async () => ({
          products: await tx.products(
            [...new Set(ordered.map((v) => v.productId))],
            ctx("redeem.voucher_read"),
          ),
          holidays: await tx.holidays(cmd.country, ctx("redeem.voucher_read")),
        }));
        const productById = new Map(products.map((p) => [p.productId, p]));
        const now = deps.clock.now();

        for (const v of ordered) {
          const product = productById.get(v.productId);
          if (!product) stop("R13", `product ${v.productId} of voucher missing`);
          const row = voucherCheck(v, now, rulesOf(product), cmd.timezone, holidays);
          if (row) stop(row, `code ${v.code.slice(0, 4)}… voucher ${v.status}`);
        }

        const executions = await stage("R20", () => items.executionOrders(ctx("redeem.exec_order_read")));
        const execById = new Map(executions.map((e) => [e.itemOrderId, e]));
        for (const id of itemIds) {
          const e = execById.get(id);
          if (!e) stop("R20", `execution order of item ${id} missing`);
          const row = executionCheck(e, now);
          if (row) stop(row, `item ${id} execution order ${e.status}`);
        }

        const subs = await stage("R26", () => items.subOrders(ctx("redeem.sub_order_read")));
        const subById = new Map(subs.map((s) => [s.itemOrderId, s]));
        if (subs.length < itemIds.length) stop("R26", "a sub-fulfillment order is missing");
        const snapshots = await stage("R27", () => items.shopSnapshots(ctx("redeem.shop_snapshot_read")));
        const snapshotById = new Map(snapshots.map((s) => [s.itemOrderId, s]));
        for (const id of itemIds) {
          const s = subById.get(id);
          if (!s) stop("R26", `sub-fulfillment order of item ${id} missing`);
          const row = subOrderCheck(s, snapshotById.get(id), cmd.thirdShopId);
          if (row) stop(row, `item ${id} sub-fulfillment order ${s.status}`);
        }

        let eventId: string;
        try {
          eventId = deps.ids.eventId(ctx("redeem.event_id"));
        } catch (err) {
          stop("R33", describeError(err));
        }

        const source = cmd.source ?? REDEMPTION_SOURCE.SAAS;
        const codes = ordered.map((v) => v.code);
        // The checks above passed, so the domain moves every record; a refusal would be a race.
        const plan = planMoves(
          ordered.map((v) => ({
            voucher: v,
            execution: execById.get(v.itemOrderId) as ExecutionOrderRecord,
            sub: subById.get(v.itemOrderId) as SubOrderRecord,
          })),
          "redeem",
          true,
        );
        if (plan.refused) stop("R34", `item ${plan.refused.itemOrderId} cannot be redeemed from its state`);
        const outcome = await stage("R34", async () => {
          return tx.commitRedemption(
            {
              vouchers: plan.vouchers,
              executions: plan.executions,
              subs: plan.subs,
              fields: {
                redeemId,
                redeemedShopId: cmd.shopId,
                redeemedThirdShopId: cmd.thirdShopId,
                redemptionSource: source,
                redeemTime: now,
              },
              redemption: {
                redeemId,
                shopOrderId: cmd.shopOrderId,
                appId: cmd.appId,
                merchantId,
                shopId: cmd.shopId,
                thirdShopId: cmd.thirdShopId,
                source,
                codes,
                itemOrderIds: itemIds,
                redeemTime: now,
                status: "REDEEMED",
                cancelTime: null,
              },
              event: {
                eventId,
                eventType: "ttls.fulfill.redeem.result",
                shopOrderId: cmd.shopOrderId,
                merchantId,
                appId: cmd.appId,
                createTime: now,
                content: {
                  shop_order_id: cmd.shopOrderId,
                  redeem_id: redeemId,
                  item_ids: itemIds,
                  codes,
                  third_shop_id: cmd.thirdShopId,
                  redeem_time: now,
                  redemption_source: source,
                },
              },
            },
            ctx("redeem.update_conflict"),
          );
        });
        if (outcome.moved !== itemIds.length * 3 || !outcome.written) {
          stop("R34", "a conditional update matched fewer records than it moved: a concurrent writer won");
        }
        return ok({ redeemId, redeemTime: now, itemOrderIds: itemIds });
      },
      {
        commitFault: ctx("redeem.commit"),
        signal,
        stallFault: ctx("redeem.core_timeout"),
        consistentSnapshot: true,
      },
    );
  } catch (err) {
    const failure = stopped(err);
    if (failure) return failure;
    if (signal.aborted) return fail("R9", "core deadline passed; rolled back");
    if (!began) return fail("R13", `the transaction could not begin: ${describeError(err)}`);
    // The connection was lost mid-transaction or at its COMMIT: no concurrent writer won, so not
    // R34. Lost before COMMIT nothing was written; lost at COMMIT the outcome is unknown, and R13
    // (transient) makes the caller recheck before it retries (the SDK's and the POS's reconcile).
    if (deps.isUnavailable(err)) return fail("R13", `database lost mid-transaction: ${describeError(err)}`);
    // The commit itself failed (or the database went away mid-transaction): nothing was written.
    return fail("R34", `transaction failed: ${describeError(err)}`);
  }
}
