/**
 * get_code_item_list in the core: what a shop may see and redeem of an order, by typed codes or
 * by the shop order of a QR already opened by the gateway. Each dependency read maps to its row.
 */
import type { RowId } from "../domain/catalogue.js";
import { itemRedemptionStatus } from "../domain/item-state.js";
import type { FulfillStatus } from "../domain/status.js";
import { type UsageReminder, usageReminder } from "../domain/usage-reminder.js";
import { type CodeResolution, resolveCodes } from "./item-checks.js";
import type { BusinessClock, CodeItems, FulfillmentStore, ReadContext } from "./ports.js";
import type { ExecutionOrderRecord, ProductRecord, SubOrderRecord, VoucherRecord } from "./records.js";
import { describeError, type Failure, fail, ok, type Result, stop, stopped } from "./result.js";

export interface LookupScope {
  readonly merchantId: string;
  readonly timezone: string;
  readonly country: string;
  readonly thirdShopId: string;
  readonly locale: string;
  /** The shops the caller may act for (its grant's); absent or empty: every shop of the merchant. */
  readonly callerShops?: readonly string[];
}

export interface QrClaims {
  readonly shopOrderId: string;
  readonly iat: number;
  readonly exp: number;
}

export interface CodeView {
  readonly voucher: VoucherRecord;
  readonly execution: ExecutionOrderRecord;
  readonly sub: SubOrderRecord;
  readonly status: FulfillStatus;
  readonly usableHere: boolean;
  readonly product: ProductRecord;
  readonly productName: string;
  readonly imageUrl: string;
  readonly reminder: UsageReminder;
}

/** The codes found: their shop order and the views this shop may see. */
export interface FoundCodes {
  readonly shopOrderId: string;
  readonly items: CodeView[];
}

export type LookupResult = Result<FoundCodes> & {
  /** Typed codes: which of them resolved for the caller, once their vouchers were read. */
  readonly resolution?: CodeResolution;
  /** For the QR rows G19/G22: the order's redeemed and after-sale codes this shop may see. */
  readonly shown?: FoundCodes;
};

export interface LookupDeps {
  readonly store: FulfillmentStore;
  readonly clock: BusinessClock;
}

async function read<T>(row: RowId, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    return stop(row, describeError(err));
  }
}

export function localizedName(product: ProductRecord, locale: string): string {
  const names = product.names;
  if (names[locale]) return names[locale] as string;
  const lang = locale.split("-")[0]?.toLowerCase() ?? "";
  const match = Object.keys(names).find((k) => k.split("-")[0]?.toLowerCase() === lang);
  return match ? (names[match] as string) : product.name;
}

/**
 * Builds the views of these vouchers from their records (read with them in one round trip),
 * stage by stage in the order of the seed's dependencies: each stage's fault fails it there.
 */
async function buildViews(
  deps: LookupDeps,
  scope: LookupScope,
  items: CodeItems,
  vouchers: readonly VoucherRecord[],
  ctx: (fault: string) => ReadContext,
  orderRead: () => Promise<unknown>,
): Promise<CodeView[]> {
  await read("G14", orderRead);
  const { executions, subs, snapshots } = await read("G15", async () => ({
    executions: items.executionOrders(ctx("query.sub_order")),
    subs: items.subOrders(ctx("query.sub_order")),
    snapshots: items.shopSnapshots(ctx("query.sub_order")),
  }));
  const productIds = [...new Set(vouchers.map((v) => v.productId))];
  const products = await read("G18", () => deps.store.replica.products(productIds, ctx("query.product")));
  const images = await read("G20", () =>
    deps.store.replica.productImages(productIds, ctx("query.product_image")),
  );
  const holidays = await read("G21", () => deps.store.replica.holidays(scope.country, ctx("query.holiday")));

  const execById = new Map(executions.map((e) => [e.itemOrderId, e]));
  const subById = new Map(subs.map((s) => [s.itemOrderId, s]));
  const snapById = new Map(snapshots.map((s) => [s.itemOrderId, s]));
  const productById = new Map(products.map((p) => [p.productId, p]));
  const imageById = new Map(images.map((i) => [i.productId, i.imageUrl]));
  const now = deps.clock.now();

  return vouchers.map((voucher) => {
    const execution = execById.get(voucher.itemOrderId);
    const sub = subById.get(voucher.itemOrderId);
    const product = productById.get(voucher.productId);
    if (!execution || !sub)
      stop("G15", `item ${voucher.itemOrderId} lacks its execution or sub-fulfillment order`);
    if (!product) stop("G18", `product ${voucher.productId} missing`);
    const rules = {
      usableWeekdays: product.usableWeekdays,
      usableHours: product.usableHours,
      holidaysUnavailable: product.holidaysUnavailable,
    };
    return {
      voucher,
      execution,
      sub,
      status: itemRedemptionStatus({ voucher: voucher.status, execution: execution.status, sub: sub.status }),
      usableHere: snapById.get(voucher.itemOrderId)?.thirdShopIds.includes(scope.thirdShopId) ?? false,
      product,
      productName: localizedName(product, scope.locale),
      imageUrl: imageById.get(product.productId) ?? product.imageUrl,
      reminder: usageReminder(
        now,
        { start: voucher.startTime, end: voucher.endTime },
        rules,
        scope.timezone,
        holidays,
        scope.locale,
      ),
    };
  });
}

function sortByRequest(vouchers: readonly VoucherRecord[], codes: readonly string[]): VoucherRecord[] {
  const position = new Map(codes.map((c, i) => [c, i]));
  return [...vouchers].sort((a, b) => (position.get(a.code) ?? 0) - (position.get(b.code) ?? 0));
}

/**
 * Typed codes: a first read that may lag (the replica), then the codes re-read from the primary
 * with their records so the status is fresh. Without a replica the first read is the primary's
 * own: one read serves both stages (both fault points still fail it, in their order).
 */
export async function lookupByCodes(
  deps: LookupDeps,
  scope: LookupScope,
  codes: readonly string[],
): Promise<LookupResult> {
  const seen: { resolution?: CodeResolution } = {};
  const outcome = await lookupTyped(deps, scope, codes, seen);
  return seen.resolution ? { ...outcome, resolution: seen.resolution } : outcome;
}

async function lookupTyped(
  deps: LookupDeps,
  scope: LookupScope,
  codes: readonly string[],
  seen: { resolution?: CodeResolution },
): Promise<Result<FoundCodes>> {
  const ctx = (fault: string): ReadContext => ({ merchantId: scope.merchantId, fault });
  // From the records as they were read (no fault point: judging them is not another read).
  const judge = (vouchers: readonly VoucherRecord[], items: CodeItems | null) => {
    const snapshots = items ? items.shopSnapshots({ merchantId: scope.merchantId, fault: null }) : null;
    seen.resolution = resolveCodes(scope.merchantId, scope.callerShops, vouchers, snapshots);
  };
  const primary = deps.store.primary;
  const separateReplica = deps.store.replica !== primary;
  try {
    const oneShopOrder = (vouchers: readonly VoucherRecord[]): Failure | null => {
      if (vouchers.length === 0) return fail("G5", "no voucher for the typed codes");
      if (new Set(vouchers.map((v) => v.shopOrderId)).size > 1) {
        return fail("G1", "the typed codes belong to more than one shop order");
      }
      return null;
    };
    let items: CodeItems;
    if (separateReplica) {
      const first = await read("G13", () =>
        deps.store.replica.vouchersByCodes(scope.merchantId, codes, ctx("query.certificate")),
      );
      judge(first, null);
      const refused = oneShopOrder(first);
      if (refused) return refused;
      items = await read("G16", () =>
        primary.itemsByCodes(scope.merchantId, codes, ctx("query.master_requery")),
      );
      judge(items.vouchers, items);
    } else {
      items = await read("G13", () =>
        primary.itemsByCodes(scope.merchantId, codes, ctx("query.certificate")),
      );
      judge(items.vouchers, items);
      const refused = oneShopOrder(items.vouchers);
      if (refused) return refused;
      await read("G16", async () => items.servedRead(ctx("query.master_requery")));
    }
    const fresh = items.vouchers;
    const refused = oneShopOrder(fresh);
    if (refused) return fail(refused.row, `${refused.cause} on the primary`);
    const shopOrderId = (fresh[0] as VoucherRecord).shopOrderId;
    const views = await buildViews(deps, scope, items, sortByRequest(fresh, codes), ctx, async () =>
      items.servedRead(ctx("query.order")),
    );
    const usable = views.filter((v) => v.usableHere);
    if (usable.length === 0) return fail("G6", "none of the codes is usable at this shop");
    return ok({ shopOrderId, items: usable });
  } catch (err) {
    const failure = stopped(err);
    if (failure) return failure;
    throw err;
  }
}

const SPENT_OR_AFTER_SALE: ReadonlySet<FulfillStatus> = new Set([
  "FINISH",
  "AFTER_SALE_PROCESSING",
  "AFTER_SALE_SUCCESS",
]);

/** A QR opened by the gateway: all codes of its shop order, unless the QR is spent or expired. */
export async function lookupByQr(deps: LookupDeps, scope: LookupScope, qr: QrClaims): Promise<LookupResult> {
  const ctx = (fault: string): ReadContext => ({ merchantId: scope.merchantId, fault });
  try {
    const items = await read("G13", () =>
      deps.store.primary.itemsByShopOrder(scope.merchantId, qr.shopOrderId, ctx("query.certificate")),
    );
    const vouchers = items.vouchers;
    if (vouchers.length === 0)
      return fail("G17", `shop order ${qr.shopOrderId} has no vouchers for this merchant`);
    let spentBy: string | null = null;
    const views = await buildViews(deps, scope, items, vouchers, ctx, async () => {
      items.servedRead(ctx("query.order"));
      const since = await deps.store.primary.redemptionsOfOrderSince(
        qr.shopOrderId,
        qr.iat,
        ctx("query.order"),
      );
      spentBy = since[0]?.redeemId ?? null;
    });
    const now = deps.clock.now();
    // Only what this shop may see, as on success: another shop's codes never ride on G19/G22.
    const shown = (): FoundCodes => ({
      shopOrderId: qr.shopOrderId,
      items: views.filter((v) => v.usableHere && SPENT_OR_AFTER_SALE.has(v.status)),
    });
    if (spentBy !== null) return { ...fail("G22", `QR spent by redemption ${spentBy}`), shown: shown() };
    if (now >= qr.exp) return { ...fail("G19", `QR expired at ${qr.exp}, now ${now}`), shown: shown() };
    const usable = views.filter((v) => v.usableHere);
    if (usable.length === 0) return fail("G6", "none of the order's codes is usable at this shop");
    return ok({ shopOrderId: qr.shopOrderId, items: usable });
  } catch (err) {
    const failure = stopped(err);
    if (failure) return failure;
    throw err;
  }
}
