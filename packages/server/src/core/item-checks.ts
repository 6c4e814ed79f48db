/**
 * The checks of the records a lookup or a redeem read (CONTRACT.md section 5), judged from the
 * records alone (no read of their own):
 * - which named codes resolve for the caller (a miss counts against the enumeration budget);
 * - the redeem checks of one record, each returning the row it fails on, or null. Within one
 *   record: refunded > already used > refund in progress > expired > not in usable time >
 *   other invalid state.
 */
import type { RowId } from "../domain/catalogue.js";
import { type Holiday, type UsageRules, usableVerdict, windowVerdict } from "../domain/usable-time.js";
import type { ExecutionOrderRecord, ShopSnapshot, SubOrderRecord, VoucherRecord } from "./records.js";

export function voucherCheck(
  v: VoucherRecord,
  now: number,
  rules: UsageRules,
  timeZone: string,
  holidays: readonly Holiday[],
): RowId | null {
  if (v.status === "AFTER_SALE_SUCCESS") return "R15";
  if (v.status === "FINISH") return "R18";
  const verdict = usableVerdict(now, { start: v.startTime, end: v.endTime }, rules, timeZone, holidays);
  if (verdict === "expired") return "R17";
  if (verdict === "not_usable") return "R16";
  if (v.status !== "WAIT_FULFILL") return "R19";
  return null;
}

export function executionCheck(e: ExecutionOrderRecord, now: number): RowId | null {
  if (e.status === "AFTER_SALE_SUCCESS") return "R21";
  if (e.status === "FINISH") return "R24";
  const verdict = windowVerdict(now, { start: e.startTime, end: e.endTime });
  if (verdict === "expired") return "R23";
  if (verdict === "before_start") return "R22";
  if (e.status !== "WAIT_FULFILL") return "R25";
  return null;
}

/** Sub-fulfillment order precedence: R29 > R30 > R28 > R31 > R32. */
export function subOrderCheck(
  s: SubOrderRecord,
  snapshot: ShopSnapshot | undefined,
  thirdShopId: string,
): RowId | null {
  if (s.status === "AFTER_SALE_SUCCESS") return "R29";
  if (s.status === "AFTER_SALE_PROCESSING") return "R30";
  const shops = snapshot?.thirdShopIds ?? [];
  if (shops.length === 0) return "R28";
  if (!shops.includes(thirdShopId)) return "R31";
  if (s.status !== "WAIT_FULFILL") return "R32";
  return null;
}

/**
 * A named code resolves when it is a voucher of the caller's merchant usable at one of the
 * caller's shops (its applicable-shop snapshot meets them; a caller with no shop list may act
 * for every shop of the merchant). The gateway counts every other named code as a miss of the
 * enumeration budget; codes whose records were never read count nothing.
 */
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
