/**
 * Loads a sandbox world (CONTRACT.md section 7): idempotent by id, creates or replaces what it
 * names, all in one transaction. Tests set up their data with it.
 */
import { Compile } from "typebox/compile";
import type { IdSource } from "../core/ports.js";
import { parseMajor } from "../domain/money.js";
import { isValidHourRange, isValidTimeZone } from "../domain/usable-time.js";
import { webhookUrlProblem } from "../events/webhook-target.js";
import type { SecretBox } from "../security/secret-box.js";
import type { ItemRows, WorldWriter } from "../store/world-writer.js";
import { World, type WorldItemT, type WorldT } from "./world-schema.js";

const checkWorld = Compile(World);

export class WorldInvalid extends Error {
  override name = "WorldInvalid";
}

export interface WorldSummary {
  apps: number;
  merchants: number;
  shops: number;
  holidays: number;
  products: number;
  orders: number;
  items: number;
}

/**
 * Runs the world's writes in one transaction. A write the database refuses as bad data or a
 * broken constraint (SQLSTATE classes 22 and 23: a code or a shop's third id already taken, an
 * id beyond int64, an amount out of range, a NUL character, an unknown merchant) rejects the
 * world like any other invalid fixture; the transaction has rolled back, so nothing changed.
 */
async function inTransactionOrInvalid(
  writer: WorldWriter,
  fn: Parameters<WorldWriter["inTransaction"]>[0],
): Promise<void> {
  try {
    await writer.inTransaction(fn);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (!(err instanceof WorldInvalid) && typeof code === "string" && /^2[23][0-9A-Z]{3}$/.test(code))
      throw new WorldInvalid(`world: ${(err as Error).message.slice(0, 300)}`);
    throw err;
  }
}

export function parseWorld(input: unknown): WorldT {
  if (!checkWorld.Check(input)) {
    const first = [...checkWorld.Errors(input)][0];
    throw new WorldInvalid(`world: ${first ? `${first.instancePath || "/"} ${first.message}` : "invalid"}`);
  }
  return input as WorldT;
}

/** The three records of one world item, with the section 7 defaults filled in. */
export function itemRows(
  item: WorldItemT,
  product: { valid_from: number | null; valid_to: number | null; applicable_third_shop_ids: string[] },
): ItemRows {
  // AFTER_SALE_PROCESSING lives on the sub-fulfillment order; voucher and execution order wait.
  const base = item.status === "AFTER_SALE_PROCESSING" ? "WAIT_FULFILL" : item.status;
  const exec = item.execution ?? {};
  const sub = item.sub_fulfillment ?? {};
  return {
    voucherStatus: base,
    executionStatus: exec.status === "AFTER_SALE_PROCESSING" ? base : (exec.status ?? base),
    executionStart: exec.start_time !== undefined ? exec.start_time : product.valid_from,
    executionEnd: exec.end_time !== undefined ? exec.end_time : product.valid_to,
    subStatus: sub.status ?? item.status,
    snapshot: sub.applicable_third_shop_ids ?? product.applicable_third_shop_ids,
  };
}

/** What the operator allows of a world: loopback webhook receivers (FULFILL_WEBHOOK_ALLOW_LOOPBACK). */
export interface WorldPolicy {
  readonly webhookAllowLoopback: boolean;
}

export async function loadWorld(
  writer: WorldWriter,
  secrets: SecretBox,
  ids: IdSource,
  input: unknown,
  policy: WorldPolicy = { webhookAllowLoopback: false },
): Promise<WorldSummary> {
  const world = parseWorld(input);
  for (const a of world.apps ?? []) {
    const problem = a.webhook_url ? webhookUrlProblem(a.webhook_url, policy.webhookAllowLoopback) : null;
    if (problem) throw new WorldInvalid(`world: app ${a.client_key} ${problem}`);
  }
  const summary: WorldSummary = {
    apps: 0,
    merchants: 0,
    shops: 0,
    holidays: 0,
    products: 0,
    orders: 0,
    items: 0,
  };
  for (const m of world.merchants ?? []) {
    if (!isValidTimeZone(m.timezone))
      throw new WorldInvalid(`world: merchant ${m.merchant_id} has unknown timezone ${m.timezone}`);
  }
  for (const p of world.products ?? []) {
    for (const r of p.usable_hours ?? []) {
      if (!isValidHourRange(r))
        throw new WorldInvalid(
          `world: product ${p.product_id} has an empty or invalid hour range ${r.start}-${r.end}`,
        );
    }
    for (const field of ["crossed_amount", "sale_amount"] as const) {
      if (parseMajor(p[field], p.currency) === null) {
        throw new WorldInvalid(
          `world: product ${p.product_id} ${field} ${p[field]} has too many decimals for ${p.currency}`,
        );
      }
    }
  }
  await inTransactionOrInvalid(writer, async (w) => {
    for (const a of world.apps ?? []) {
      await w.upsertApp(
        ids.next(),
        a.client_key,
        secrets.seal(a.client_secret),
        a.name,
        a.webhook_url ?? null,
      );
      summary.apps++;
    }
    for (const m of world.merchants ?? []) {
      await w.upsertMerchant(m.merchant_id, m.name, m.country, m.timezone);
      summary.merchants++;
      for (const s of m.shops ?? []) {
        await w.upsertShop(s.shop_id, m.merchant_id, s.third_shop_id, s.name);
        summary.shops++;
      }
      for (const g of m.grants ?? []) {
        const found = await w.upsertGrant(g.client_key, m.merchant_id, g.scopes, g.third_shop_ids ?? []);
        if (!found) throw new WorldInvalid(`world: grant names unknown app ${g.client_key}`);
      }
    }
    for (const h of world.holidays ?? []) {
      await w.upsertHoliday(h.country, h.date, h.name);
      summary.holidays++;
    }
    for (const p of world.products ?? []) {
      await w.upsertProduct({
        ...p,
        crossed_minor: (parseMajor(p.crossed_amount, p.currency) as bigint).toString(),
        sale_minor: (parseMajor(p.sale_amount, p.currency) as bigint).toString(),
      });
      summary.products++;
    }
    for (const o of world.orders ?? []) {
      const product = await w.productForOrder(o.product_id);
      if (!product)
        throw new WorldInvalid(`world: order ${o.shop_order_id} names unknown product ${o.product_id}`);
      await w.upsertShopOrder(
        o.shop_order_id,
        product.merchant_id,
        o.product_id,
        o.user_id,
        o.create_time ?? 0,
      );
      for (const item of o.items) {
        const rows = itemRows(item, product);
        await w.upsertItem(
          o.shop_order_id,
          product.merchant_id,
          o.product_id,
          item.item_order_id,
          item.code,
          rows,
          {
            start: product.valid_from,
            end: product.valid_to,
          },
        );
        summary.items++;
      }
      summary.orders++;
    }
  });
  return summary;
}
