/** The rows of the item tables as the store reads them, and the records the core receives. */
import type { CodeItems, FaultPoints, ReadContext } from "../core/ports.js";
import type { ExecutionOrderRecord, ShopSnapshot, SubOrderRecord, VoucherRecord } from "../core/records.js";
import type { FulfillStatus } from "../domain/status.js";
import { checkFault, num } from "./scope.js";

export type VoucherRow = {
  item_order_id: string;
  code: string;
  shop_order_id: string;
  merchant_id: string;
  product_id: string;
  status: string;
  start_time: string | null;
  end_time: string | null;
  version: number;
  redeem_id: string | null;
  redeemed_shop_id: string | null;
  redeemed_third_shop_id: string | null;
  redemption_source: number | null;
  redeem_time: string | null;
};

export function toVoucher(row: VoucherRow): VoucherRecord {
  return {
    itemOrderId: row.item_order_id,
    code: row.code,
    shopOrderId: row.shop_order_id,
    merchantId: row.merchant_id,
    productId: row.product_id,
    status: row.status as FulfillStatus,
    startTime: num(row.start_time),
    endTime: num(row.end_time),
    version: Number(row.version),
    redeemId: row.redeem_id,
    redeemedShopId: row.redeemed_shop_id,
    redeemedThirdShopId: row.redeemed_third_shop_id,
    redemptionSource: row.redemption_source === null ? null : Number(row.redemption_source),
    redeemTime: num(row.redeem_time),
  };
}

/** A row of sql/items.sql `item_records`: a voucher with its records' columns (null when missing). */
export type ItemRecordsRow = VoucherRow & {
  execution_status: string | null;
  execution_start_time: string | null;
  execution_end_time: string | null;
  execution_version: number | null;
  sub_status: string | null;
  sub_version: number | null;
  snapshot_third_shop_ids: string[] | null;
  order_shop_order_id: string | null;
};

/** The rows of one items read, handed out stage by stage (see CodeItems). */
export class JoinedItems implements CodeItems {
  readonly vouchers: VoucherRecord[];

  constructor(
    private readonly rows: readonly ItemRecordsRow[],
    private readonly faults: FaultPoints,
  ) {
    this.vouchers = rows.map(toVoucher);
  }

  servedRead(ctx: ReadContext): void {
    checkFault(this.faults, ctx);
  }

  executionOrders(ctx: ReadContext): ExecutionOrderRecord[] {
    checkFault(this.faults, ctx);
    return this.rows
      .filter((row) => row.execution_status !== null)
      .map((row) => ({
        itemOrderId: row.item_order_id,
        status: row.execution_status as FulfillStatus,
        startTime: num(row.execution_start_time),
        endTime: num(row.execution_end_time),
        version: Number(row.execution_version),
      }));
  }

  subOrders(ctx: ReadContext): SubOrderRecord[] {
    checkFault(this.faults, ctx);
    return this.rows
      .filter((row) => row.sub_status !== null)
      .map((row) => ({
        itemOrderId: row.item_order_id,
        status: row.sub_status as FulfillStatus,
        version: Number(row.sub_version),
      }));
  }

  shopSnapshots(ctx: ReadContext): ShopSnapshot[] {
    checkFault(this.faults, ctx);
    return this.rows
      .filter((row) => row.snapshot_third_shop_ids !== null)
      .map((row) => ({
        itemOrderId: row.item_order_id,
        thirdShopIds: row.snapshot_third_shop_ids as string[],
      }));
  }
}
