/** Upserts of platform records (sandbox world, platform API): create or replace by id. */
import type { Kysely, Transaction } from "kysely";
import {
  type ItemRows,
  type PlatformWriter,
  type PlatformWriteTx,
  type ProductForOrder,
  type ProductUpsert,
  RecordRefused,
} from "../core/platform-ports.js";
import { upsertItem, upsertShopOrder } from "./item-tables.js";
import type { DB } from "./schema.js";

export type { ItemRows, ProductUpsert } from "../core/platform-ports.js";

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation). */
const REFUSED_DATA = /^2[23][0-9A-Z]{3}$/;

export class WorldWriteTx implements PlatformWriteTx {
  constructor(readonly db: Transaction<DB>) {}

  async upsertApp(
    appId: string,
    clientKey: string,
    secretEnc: string,
    name: string,
    webhookUrl: string | null,
  ): Promise<void> {
    await this.db
      .insertInto("apps")
      .values({
        app_id: appId,
        client_key: clientKey,
        client_secret_enc: secretEnc,
        name,
        webhook_url: webhookUrl,
        created_at: Math.floor(Date.now() / 1000),
      })
      .onConflict((oc) =>
        oc.column("client_key").doUpdateSet({ client_secret_enc: secretEnc, name, webhook_url: webhookUrl }),
      )
      .execute();
  }

  async upsertMerchant(id: string, name: string, country: string, timezone: string): Promise<void> {
    await this.db
      .insertInto("merchants")
      .values({ merchant_id: id, name, country, timezone })
      .onConflict((oc) => oc.column("merchant_id").doUpdateSet({ name, country, timezone }))
      .execute();
  }

  async upsertShop(shopId: string, merchantId: string, thirdShopId: string, name: string): Promise<void> {
    await this.db
      .insertInto("shops")
      .values({ shop_id: shopId, merchant_id: merchantId, third_shop_id: thirdShopId, name })
      .onConflict((oc) =>
        oc.column("shop_id").doUpdateSet({ merchant_id: merchantId, third_shop_id: thirdShopId, name }),
      )
      .execute();
  }

  /** False when the app is unknown. Replacing a grant bumps its version (tokens carry the version they were issued under). */
  async upsertGrant(
    clientKey: string,
    merchantId: string,
    scopes: string[],
    thirdShopIds: string[],
  ): Promise<boolean> {
    const app = await this.db
      .selectFrom("apps")
      .select("app_id")
      .where("client_key", "=", clientKey)
      .executeTakeFirst();
    if (!app) return false;
    await this.db
      .insertInto("grants")
      .values({
        app_id: app.app_id,
        merchant_id: merchantId,
        scopes,
        third_shop_ids: thirdShopIds,
        revoked_at: null,
      })
      .onConflict((oc) =>
        oc.columns(["app_id", "merchant_id"]).doUpdateSet((eb) => ({
          scopes,
          third_shop_ids: thirdShopIds,
          revoked_at: null,
          version: eb("grants.version", "+", 1),
        })),
      )
      .execute();
    return true;
  }

  /** Revokes a grant and every token issued under it; false when there is no such grant. */
  async revokeGrant(clientKey: string, merchantId: string, now: number): Promise<boolean> {
    const app = await this.db
      .selectFrom("apps")
      .select("app_id")
      .where("client_key", "=", clientKey)
      .executeTakeFirst();
    if (!app) return false;
    const r = await this.db
      .updateTable("grants")
      .set((eb) => ({ revoked_at: now, version: eb("version", "+", 1) }))
      .where("app_id", "=", app.app_id)
      .where("merchant_id", "=", merchantId)
      .executeTakeFirst();
    await this.db
      .updateTable("oauth_tokens")
      .set({ revoked_at: now })
      .where("app_id", "=", app.app_id)
      .where("merchant_id", "=", merchantId)
      .where("revoked_at", "is", null)
      .execute();
    return Number(r.numUpdatedRows) === 1;
  }

  async upsertHoliday(country: string, date: string, name: string): Promise<void> {
    await this.db
      .insertInto("holidays")
      .values({ country, date, name })
      .onConflict((oc) => oc.columns(["country", "date"]).doUpdateSet({ name }))
      .execute();
  }

  async upsertProduct(p: ProductUpsert): Promise<void> {
    const values = {
      merchant_id: p.merchant_id,
      third_product_id: p.third_product_id,
      name: p.name,
      names: JSON.stringify(p.names ?? {}),
      image_url: p.image_url,
      crossed_amount: p.crossed_minor,
      sale_amount: p.sale_minor,
      currency: p.currency,
      refund_rule_desc: p.refund_rule_desc,
      valid_from: p.valid_from,
      valid_to: p.valid_to,
      usable_weekdays: p.usable_weekdays,
      usable_hours: JSON.stringify(p.usable_hours ?? []),
      holidays_unavailable: p.holidays_unavailable,
      applicable_third_shop_ids: p.applicable_third_shop_ids,
      auto_refund_expired: p.auto_refund_expired ?? false,
    };
    await this.db
      .insertInto("products")
      .values({ product_id: p.product_id, ...values })
      .onConflict((oc) => oc.column("product_id").doUpdateSet(values))
      .execute();
  }

  async productForOrder(productId: string): Promise<ProductForOrder | undefined> {
    const r = await this.db
      .selectFrom("products")
      .select(["merchant_id", "valid_from", "valid_to", "applicable_third_shop_ids"])
      .where("product_id", "=", productId)
      .executeTakeFirst();
    if (!r) return undefined;
    return {
      merchant_id: r.merchant_id,
      valid_from: r.valid_from === null ? null : Number(r.valid_from),
      valid_to: r.valid_to === null ? null : Number(r.valid_to),
      applicable_third_shop_ids: r.applicable_third_shop_ids,
    };
  }

  async forgetRedemptions(shopOrderId: string): Promise<void> {
    await this.db.deleteFrom("redemptions").where("shop_order_id", "=", shopOrderId).execute();
  }

  upsertShopOrder(
    id: string,
    merchantId: string,
    productId: string,
    userId: string,
    createTime: number,
  ): Promise<void> {
    return upsertShopOrder(this.db, { shopOrderId: id, merchantId, productId, userId, createTime });
  }

  upsertItem(
    shopOrderId: string,
    merchantId: string,
    productId: string,
    itemOrderId: string,
    code: string,
    rows: ItemRows,
    window: { start: number | null; end: number | null },
  ): Promise<void> {
    return upsertItem(
      this.db,
      { shopOrderId, merchantId },
      {
        itemOrderId,
        code,
        productId,
        voucher: { status: rows.voucherStatus, startTime: window.start, endTime: window.end },
        execution: {
          status: rows.executionStatus,
          startTime: rows.executionStart,
          endTime: rows.executionEnd,
        },
        subStatus: rows.subStatus,
        snapshot: rows.snapshot,
      },
    );
  }
}

export class WorldWriter implements PlatformWriter {
  constructor(
    readonly db: Kysely<DB>,
    /** Called after every commit: the read caches forget what may have changed. */
    readonly afterCommit: () => void = () => undefined,
  ) {}

  async inTransaction<T>(fn: (w: WorldWriteTx) => Promise<T>): Promise<T> {
    const result = await this.db.transaction().execute((trx) => fn(new WorldWriteTx(trx)));
    this.afterCommit();
    return result;
  }

  /** The port's write: a record the database refuses as bad data or a broken constraint is `RecordRefused`. */
  async write<T>(fn: (w: WorldWriteTx) => Promise<T>): Promise<T> {
    try {
      return await this.inTransaction(fn);
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      if (typeof code === "string" && REFUSED_DATA.test(code))
        throw new RecordRefused((err as Error).message);
      throw err;
    }
  }
}
