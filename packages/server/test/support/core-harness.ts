/** Drives the core use cases of a System as the gateway would, for core tests. */
import { sql } from "kysely";
import { redeemCodes } from "../../src/core/redeem-codes.js";
import { loadWorld } from "../../src/sandbox/world-loader.js";
import type { WorldT } from "../../src/sandbox/world-schema.js";
import type { System } from "../../src/system.js";
import { MERCHANT, SHOP_1, SHOP_2, SHOP_ID_1, SHOP_ID_2 } from "./world.js";

export function load(system: System, world: WorldT) {
  return loadWorld(system.world, system.secrets, system.ids, world, { webhookAllowLoopback: true });
}

export function redeem(
  system: System,
  shopOrderId: string,
  codes: string[],
  opts: { thirdShopId?: string; merchantId?: string } = {},
) {
  const thirdShopId = opts.thirdShopId ?? SHOP_1;
  return redeemCodes(system.redeemDeps, {
    appId: null,
    merchantId: opts.merchantId ?? MERCHANT,
    timezone: "Asia/Jakarta",
    country: "ID",
    shopId: thirdShopId === SHOP_2 ? SHOP_ID_2 : SHOP_ID_1,
    thirdShopId,
    shopOrderId,
    codes,
  });
}

export interface ItemRow {
  code: string;
  voucher: string;
  execution: string;
  sub: string;
  voucherVersion: number;
  redeemId: string | null;
}

export async function itemRows(system: System, codes: string[]): Promise<ItemRow[]> {
  const rows = await system.database.db
    .selectFrom("vouchers as v")
    .innerJoin("execution_orders as e", "e.item_order_id", "v.item_order_id")
    .innerJoin("sub_fulfillment_orders as s", "s.item_order_id", "v.item_order_id")
    .select([
      "v.code",
      "v.status as voucher",
      "e.status as execution",
      "s.status as sub",
      "v.version",
      "v.redeem_id",
    ])
    .where("v.code", "in", codes)
    .orderBy("v.code")
    .execute();
  return rows.map((r) => ({
    code: r.code,
    voucher: r.voucher,
    execution: r.execution,
    sub: r.sub,
    voucherVersion: Number(r.version),
    redeemId: r.redeem_id,
  }));
}

export async function count(system: System, table: "outbox" | "redemptions"): Promise<number> {
  const r = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table)}`.execute(
    system.database.db,
  );
  return Number(r.rows[0]?.n ?? 0);
}
