/** A core CodeView on the wire: TTLS's CodeItem field names, enums and types. */
import type { CodeView } from "../core/lookup.js";
import { formatMinor } from "../domain/money.js";
import { REDEMPTION_STATUS } from "../domain/status.js";
import { int64 } from "./envelope.js";

function intersect(
  a: number | null,
  b: number | null,
  pick: (x: number, y: number) => number,
): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return pick(a, b);
}

export function toCodeItem(view: CodeView): Record<string, unknown> {
  const { voucher, execution, product } = view;
  const item: Record<string, unknown> = {
    code: voucher.code,
    item_order_id: voucher.itemOrderId,
    product_name: view.productName,
    goods_image_url: view.imageUrl,
    refund_rule_desc: product.refundRuleDesc,
    crossed_amount: formatMinor(product.crossedAmount, product.currency),
    sale_amount: formatMinor(product.saleAmount, product.currency),
    currency: product.currency,
    code_can_use_time: {
      // The code's usable window: the voucher's, narrowed by the execution order's own slot.
      start_time: intersect(voucher.startTime, execution.startTime, Math.max) ?? 0,
      end_time: intersect(voucher.endTime, execution.endTime, Math.min) ?? 0,
    },
    code_cannot_use_date: view.reminder,
    redemption_status: REDEMPTION_STATUS[view.status],
    product_id: product.productId,
    third_product_id: product.thirdProductId,
    redeemed_third_shop_id: "",
  };
  if (voucher.redeemId !== null) {
    item.redeem_id = voucher.redeemId;
    item.redemption_source = voucher.redemptionSource ?? 2;
    if (voucher.redeemedShopId !== null) {
      item.redeemed_shop_id = int64(voucher.redeemedShopId);
      // (ext) The same digits as a string: a JSON.parse-based client rounds the number above 2^53.
      item.redeemed_shop_id_str = voucher.redeemedShopId;
    }
    item.redeemed_third_shop_id = voucher.redeemedThirdShopId ?? "";
    if (voucher.redeemTime !== null) item.redeem_time = voucher.redeemTime;
  }
  return item;
}
