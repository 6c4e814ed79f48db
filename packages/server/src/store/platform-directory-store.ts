/**
 * The platform's directory on Kysely (core/platform-directory.ts): merchants, shops, apps and
 * grants in id order after a cursor id. Apps are read without their secret column; POS
 * devices' own apps (pos_devices.app_id) and their grants are left out.
 */
import { type Kysely, sql } from "kysely";
import type {
  AppEntry,
  GrantEntry,
  MerchantDetail,
  MerchantEntry,
  PageQuery,
  PlatformDirectory,
  ShopEntry,
} from "../core/platform-directory.js";
import type { DB } from "./schema.js";

export class PlatformDirectoryStore implements PlatformDirectory {
  constructor(readonly db: Kysely<DB>) {}

  async merchants(page: PageQuery): Promise<MerchantEntry[]> {
    let q = this.db.selectFrom("merchants").select(["merchant_id", "name", "country", "timezone"]);
    if (page.after !== null) q = q.where("merchant_id", ">", page.after);
    const rows = await q.orderBy("merchant_id").limit(page.limit).execute();
    return rows.map((m) => ({
      merchantId: m.merchant_id,
      name: m.name,
      country: m.country,
      timezone: m.timezone,
    }));
  }

  async merchant(merchantId: string): Promise<MerchantDetail | null> {
    const m = await this.db
      .selectFrom("merchants as m")
      .select((eb) => [
        "m.merchant_id",
        "m.name",
        "m.country",
        "m.timezone",
        eb
          .selectFrom("shops as s")
          .select(sql<string>`count(*)`.as("n"))
          .whereRef("s.merchant_id", "=", "m.merchant_id")
          .as("shop_count"),
        eb
          .selectFrom("grants as g")
          .select(sql<string>`count(*)`.as("n"))
          .whereRef("g.merchant_id", "=", "m.merchant_id")
          .where("g.revoked_at", "is", null)
          .where((w) =>
            w.not(
              w.exists(
                w.selectFrom("pos_devices as d").select("d.app_id").whereRef("d.app_id", "=", "g.app_id"),
              ),
            ),
          )
          .as("grant_count"),
      ])
      .where("m.merchant_id", "=", merchantId)
      .executeTakeFirst();
    if (!m) return null;
    return {
      merchantId: m.merchant_id,
      name: m.name,
      country: m.country,
      timezone: m.timezone,
      shopCount: Number(m.shop_count ?? 0),
      grantCount: Number(m.grant_count ?? 0),
    };
  }

  async shops(merchantId: string, page: PageQuery): Promise<ShopEntry[]> {
    let q = this.db
      .selectFrom("shops")
      .select(["shop_id", "merchant_id", "third_shop_id", "name"])
      .where("merchant_id", "=", merchantId);
    if (page.after !== null) q = q.where("shop_id", ">", page.after);
    const rows = await q.orderBy("shop_id").limit(page.limit).execute();
    return rows.map((s) => ({
      shopId: s.shop_id,
      merchantId: s.merchant_id,
      thirdShopId: s.third_shop_id,
      name: s.name,
    }));
  }

  async apps(page: PageQuery): Promise<AppEntry[]> {
    let q = this.db
      .selectFrom("apps as a")
      .select(["a.app_id", "a.client_key", "a.name", "a.webhook_url", "a.created_at"])
      .where((w) =>
        w.not(
          w.exists(w.selectFrom("pos_devices as d").select("d.app_id").whereRef("d.app_id", "=", "a.app_id")),
        ),
      );
    if (page.after !== null) q = q.where("a.app_id", ">", page.after);
    const rows = await q.orderBy("a.app_id").limit(page.limit).execute();
    return rows.map((a) => ({
      appId: a.app_id,
      clientKey: a.client_key,
      name: a.name,
      webhookUrl: a.webhook_url,
      createdAt: Number(a.created_at),
    }));
  }

  async grants(merchantId: string, page: PageQuery): Promise<GrantEntry[]> {
    let q = this.db
      .selectFrom("grants as g")
      .innerJoin("apps as a", "a.app_id", "g.app_id")
      .select([
        "g.app_id",
        "a.client_key",
        "a.name",
        "g.scopes",
        "g.third_shop_ids",
        "g.revoked_at",
        "g.version",
      ])
      .where("g.merchant_id", "=", merchantId)
      .where((w) =>
        w.not(
          w.exists(w.selectFrom("pos_devices as d").select("d.app_id").whereRef("d.app_id", "=", "g.app_id")),
        ),
      );
    if (page.after !== null) q = q.where("g.app_id", ">", page.after);
    const rows = await q.orderBy("g.app_id").limit(page.limit).execute();
    return rows.map((g) => ({
      appId: g.app_id,
      clientKey: g.client_key,
      appName: g.name,
      scopes: g.scopes,
      thirdShopIds: g.third_shop_ids,
      revokedAt: g.revoked_at === null ? null : Number(g.revoked_at),
      version: Number(g.version),
    }));
  }
}
