/**
 * Writing platform records in the world format (CONTRACT.md section 7): idempotent by id,
 * creating or replacing what the world names, all in one transaction. The one validation and
 * the one write path of the platform: the platform API (core/platform-catalogue.ts) and the
 * sandbox's world loader are its clients.
 */
import { Compile } from "typebox/compile";
import { parseMajor } from "../domain/money.js";
import { isValidHourRange, isValidTimeZone } from "../domain/usable-time.js";
import type { SecretBox } from "../security/secret-box.js";
import { type ItemRows, type PlatformWriter, type PlatformWriteTx, RecordRefused } from "./platform-ports.js";
import { World, type WorldItemT, type WorldT } from "./platform-schema.js";
import type { IdSource } from "./ports.js";
import { fail, ok, type Result } from "./result.js";

const checkWorld = Compile(World);

export interface WorldSummary {
  apps: number;
  merchants: number;
  shops: number;
  holidays: number;
  products: number;
  orders: number;
  items: number;
}

export interface WorldDeps {
  readonly writer: PlatformWriter;
  readonly secrets: SecretBox;
  readonly ids: IdSource;
  /** Why a webhook receiver is refused (null: allowed), under the operator's policy. */
  readonly webhookUrlProblem: (url: string) => string | null;
}

/** An invalid world: `invalid_params`, the message saying what is wrong. */
const invalid = (message: string) => fail("invalid_params", message, { message });

/** Rolls the world's transaction back when a record names what does not exist. */
class Unknown extends Error {}

export function parseWorld(input: unknown): Result<WorldT> {
  if (checkWorld.Check(input)) return ok(input as WorldT);
  const first = [...checkWorld.Errors(input)][0];
  return invalid(`world: ${first ? `${first.instancePath || "/"} ${first.message}` : "invalid"}`);
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

/** What the schema cannot say: webhook receivers, time zones, hour ranges, decimals of the currency. */
function problemOf(world: WorldT, deps: WorldDeps): string | null {
  for (const a of world.apps ?? []) {
    const problem = a.webhook_url ? deps.webhookUrlProblem(a.webhook_url) : null;
    if (problem) return `world: app ${a.client_key} ${problem}`;
  }
  for (const m of world.merchants ?? []) {
    if (!isValidTimeZone(m.timezone))
      return `world: merchant ${m.merchant_id} has unknown timezone ${m.timezone}`;
  }
  for (const p of world.products ?? []) {
    for (const r of p.usable_hours ?? []) {
      if (!isValidHourRange(r))
        return `world: product ${p.product_id} has an empty or invalid hour range ${r.start}-${r.end}`;
    }
    for (const field of ["crossed_amount", "sale_amount"] as const) {
      if (parseMajor(p[field], p.currency) === null)
        return `world: product ${p.product_id} ${field} ${p[field]} has too many decimals for ${p.currency}`;
    }
  }
  return null;
}

export interface WorldLoadOptions {
  /**
   * The redemption records of every order the world writes are deleted first, so its codes start
   * unused with no history (the sandbox demo's reload: "Today" lists each code once). Off for the
   * platform's own writes: a redemption is an accounting record.
   */
  readonly forgetRedemptions?: boolean;
}

export async function applyWorld(
  deps: WorldDeps,
  input: unknown,
  options: WorldLoadOptions = {},
): Promise<Result<WorldSummary>> {
  const parsed = parseWorld(input);
  if (!parsed.ok) return parsed;
  const world = parsed.value;
  const problem = problemOf(world, deps);
  if (problem) return invalid(problem);
  try {
    return ok(await deps.writer.write((w) => writeWorld(w, world, deps, options)));
  } catch (err) {
    if (err instanceof Unknown) return invalid(err.message);
    // The transaction has rolled back, so nothing changed.
    if (err instanceof RecordRefused) return invalid(`world: ${err.message.slice(0, 300)}`);
    throw err;
  }
}

async function writeWorld(
  w: PlatformWriteTx,
  world: WorldT,
  deps: WorldDeps,
  options: WorldLoadOptions,
): Promise<WorldSummary> {
  const summary: WorldSummary = {
    apps: 0,
    merchants: 0,
    shops: 0,
    holidays: 0,
    products: 0,
    orders: 0,
    items: 0,
  };
  for (const a of world.apps ?? []) {
    await w.upsertApp(
      deps.ids.next(),
      a.client_key,
      deps.secrets.seal(a.client_secret),
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
      if (!found) throw new Unknown(`world: grant names unknown app ${g.client_key}`);
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
    if (!product) throw new Unknown(`world: order ${o.shop_order_id} names unknown product ${o.product_id}`);
    if (options.forgetRedemptions) await w.forgetRedemptions(o.shop_order_id);
    await w.upsertShopOrder(
      o.shop_order_id,
      product.merchant_id,
      o.product_id,
      o.user_id,
      o.create_time ?? 0,
    );
    for (const item of o.items) {
      const window = { start: product.valid_from, end: product.valid_to };
      await w.upsertItem(
        o.shop_order_id,
        product.merchant_id,
        o.product_id,
        item.item_order_id,
        item.code,
        itemRows(item, product),
        window,
      );
      summary.items++;
    }
    summary.orders++;
  }
  return summary;
}
