/**
 * Which named codes resolve for a caller, judged from the records a lookup or a redeem already
 * read (no read of its own): a code resolves when it is a voucher of the caller's merchant
 * usable at one of the caller's shops (its applicable-shop snapshot meets them; a caller with
 * no shop list may act for every shop of the merchant). The gateway counts every other named
 * code as a miss of the enumeration budget; codes whose records were never read count nothing.
 */
import type { ShopSnapshot, VoucherRecord } from "./records.js";

export interface CodeResolution {
  readonly resolved: ReadonlySet<string>;
}

export function resolveCodes(
  merchantId: string,
  callerShops: readonly string[] | undefined,
  vouchers: readonly VoucherRecord[],
  /** null when the snapshots were not read with the vouchers (every code of the merchant resolves). */
  snapshots: readonly ShopSnapshot[] | null,
): CodeResolution {
  const resolved = new Set<string>();
  const everyShop = !callerShops || callerShops.length === 0;
  const shopsOf =
    everyShop || !snapshots ? null : new Map(snapshots.map((s) => [s.itemOrderId, s.thirdShopIds]));
  for (const v of vouchers) {
    if (v.merchantId !== merchantId) continue;
    // Without its snapshot (a replica's first read) a code of the merchant gets the benefit of the
    // doubt: charging it would throttle a shop-limited caller for a read that failed after it.
    if (everyShop || !snapshots) resolved.add(v.code);
    else if (shopsOf?.get(v.itemOrderId)?.some((shop) => callerShops.includes(shop))) resolved.add(v.code);
  }
  return { resolved };
}

/** How many of the named codes are misses; nothing when their records were never read. */
export function missCount(codes: readonly string[], resolution: CodeResolution | undefined): number {
  if (!resolution) return 0;
  let misses = 0;
  for (const c of new Set(codes)) if (!resolution.resolved.has(c)) misses += 1;
  return misses;
}
