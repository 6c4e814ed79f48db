/**
 * Reference data: merchants, shops, products, holidays. Every request reads them and they
 * almost never change, so they are served from the read cache (after the fault check).
 */
import type { ReadContext } from "../core/ports.js";
import type { Holiday, MerchantRecord, ProductRecord, ShopRecord } from "../core/records.js";
import { cached, checkFault, num, type StoreScope } from "./scope.js";

export async function merchant(
  scope: StoreScope,
  merchantId: string,
  ctx: ReadContext,
): Promise<MerchantRecord | null> {
  checkFault(scope.faults, ctx);
  return cached(scope, `merchant:${merchantId}`, async () => {
    const row = await scope.db
      .selectFrom("merchants")
      .selectAll()
      .where("merchant_id", "=", merchantId)
      .executeTakeFirst();
    return row
      ? { merchantId: row.merchant_id, name: row.name, country: row.country, timezone: row.timezone }
      : null;
  });
}

export async function shopByThirdId(
  scope: StoreScope,
  merchantId: string,
  thirdShopId: string,
  ctx: ReadContext,
): Promise<ShopRecord | null> {
  checkFault(scope.faults, ctx);
  return cached(scope, `shop:${merchantId}:${thirdShopId}`, async () => {
    const row = await scope.db
      .selectFrom("shops")
      .selectAll()
      .where("merchant_id", "=", merchantId)
      .where("third_shop_id", "=", thirdShopId)
      .executeTakeFirst();
    return row
      ? { shopId: row.shop_id, merchantId: row.merchant_id, thirdShopId: row.third_shop_id, name: row.name }
      : null;
  });
}

export async function products(
  scope: StoreScope,
  productIds: readonly string[],
  ctx: ReadContext,
): Promise<ProductRecord[]> {
  checkFault(scope.faults, ctx);
  if (productIds.length === 0) return [];
  return cached(scope, `products:${productIds.join(",")}`, async () => {
    const rows = await scope.db
      .selectFrom("products")
      .selectAll()
      .where("product_id", "in", productIds)
      .execute();
    return rows.map((row) => toProduct(row as unknown as Record<string, unknown>));
  });
}

/** The image URL of each product (its own dependency in TTLS). */
export async function productImages(
  scope: StoreScope,
  productIds: readonly string[],
  ctx: ReadContext,
): Promise<{ productId: string; imageUrl: string }[]> {
  checkFault(scope.faults, ctx);
  if (productIds.length === 0) return [];
  return cached(scope, `images:${productIds.join(",")}`, async () => {
    const rows = await scope.db
      .selectFrom("products")
      .select(["product_id", "image_url"])
      .where("product_id", "in", productIds)
      .execute();
    return rows.map((row) => ({ productId: row.product_id, imageUrl: row.image_url }));
  });
}

export async function holidays(scope: StoreScope, country: string, ctx: ReadContext): Promise<Holiday[]> {
  checkFault(scope.faults, ctx);
  return cached(scope, `holidays:${country}`, async () => {
    const rows = await scope.db
      .selectFrom("holidays")
      .select(["date", "name"])
      .where("country", "=", country)
      .execute();
    return rows.map((row) => ({ date: row.date, name: row.name }));
  });
}

function toProduct(row: Record<string, unknown>): ProductRecord {
  return {
    productId: String(row.product_id),
    merchantId: String(row.merchant_id),
    thirdProductId: String(row.third_product_id),
    name: String(row.name),
    names: (row.names ?? {}) as Record<string, string>,
    imageUrl: String(row.image_url),
    crossedAmount: String(row.crossed_amount),
    saleAmount: String(row.sale_amount),
    currency: String(row.currency),
    refundRuleDesc: String(row.refund_rule_desc),
    validFrom: num(row.valid_from as string | null),
    validTo: num(row.valid_to as string | null),
    usableWeekdays: (row.usable_weekdays as (number | string)[]).map(Number),
    usableHours: (row.usable_hours ?? []) as { start: string; end: string }[],
    holidaysUnavailable: Boolean(row.holidays_unavailable),
    applicableThirdShopIds: row.applicable_third_shop_ids as string[],
    autoRefundExpired: Boolean(row.auto_refund_expired),
  };
}
