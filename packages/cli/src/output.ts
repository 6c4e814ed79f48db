/** Human-readable output of the CLI. */
const STATUS: Record<number, string> = {
  0: "INIT",
  100: "WAIT_FULFILL",
  400: "FINISH",
  500: "AFTER_SALE_PROCESSING",
  501: "AFTER_SALE_SUCCESS",
};

interface Item {
  code: string;
  product_name: string;
  sale_amount: string;
  currency: string;
  redemption_status: number;
  redeem_id?: string;
  redeemed_third_shop_id?: string;
  code_cannot_use_date?: { enable: boolean; content_list: { title: string; contents: string[] }[] };
}

/** "1 code", "2 codes": counts read as words, never "code(s)". */
export const codeCount = (n: number): string => `${n} ${n === 1 ? "code" : "codes"}`;

export function printItems(
  out: (s: string) => void,
  data: { shop_order_id: string; code_list: Item[] },
): void {
  out(`shop order ${data.shop_order_id}: ${codeCount(data.code_list.length)}`);
  for (const i of data.code_list) {
    const redeemed = i.redeem_id ? `  redeemed (${i.redeem_id}) at ${i.redeemed_third_shop_id}` : "";
    out(
      `  ${i.code}  ${STATUS[i.redemption_status] ?? i.redemption_status}  ${i.product_name}  ${i.sale_amount} ${i.currency}${redeemed}`,
    );
    const reminder = i.code_cannot_use_date;
    if (reminder) {
      for (const entry of reminder.content_list) out(`      ${entry.title}: ${entry.contents.join("; ")}`);
      if (reminder.enable) out("      ! not usable right now");
    }
  }
}

interface RecordRow {
  redeem_id: string;
  shop_order_id: string;
  codes: string[];
  third_shop_id: string;
  redeem_time: number;
  status: string;
  can_cancel: boolean;
}

export function printRecords(
  out: (s: string) => void,
  data: { records: RecordRow[]; cursor: string; has_more: boolean },
): void {
  if (data.records.length === 0) out("no redemptions");
  for (const r of data.records) {
    out(
      `${new Date(r.redeem_time * 1000).toISOString()}  ${r.redeem_id}  ${r.status}${r.can_cancel ? " (can cancel)" : ""}  shop ${r.third_shop_id}  order ${r.shop_order_id}  ${r.codes.join(",")}`,
    );
  }
  if (data.has_more) out(`more: --cursor ${data.cursor}`);
}
