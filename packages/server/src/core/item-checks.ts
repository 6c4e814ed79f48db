/**
 * The redeem checks of one record (CONTRACT.md section 5). Each returns the row it fails on,
 * or null. Within one record: refunded > already used > refund in progress > expired >
 * not in usable time > other invalid state.
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
