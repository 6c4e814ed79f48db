/**
 * The platform API's records, one at a time (CONTRACT.md section 8): each is written as a
 * one-record world (core/platform-world.ts), so the platform and the sandbox share one
 * validation and one writer.
 */
import { randomBytes } from "node:crypto";
import type {
  WorldGrantT,
  WorldHolidayT,
  WorldMerchantT,
  WorldProductT,
  WorldShopT,
} from "./platform-schema.js";
import { applyWorld, type WorldDeps, type WorldSummary } from "./platform-world.js";
import type { BusinessClock, FulfillmentReads } from "./ports.js";
import type { MerchantRecord } from "./records.js";
import { fail, ok, type Result } from "./result.js";

export interface CatalogueDeps extends WorldDeps {
  readonly reads: FulfillmentReads;
  readonly clock: BusinessClock;
}

export interface AppInput {
  readonly client_key: string;
  readonly client_secret?: string | undefined;
  readonly name: string;
  readonly webhook_url?: string | null | undefined;
}

/** A created app with its secret: shown once, in this answer. */
export interface CreatedApp {
  readonly client_key: string;
  readonly client_secret: string;
  readonly name: string;
}

export async function merchantOf(deps: CatalogueDeps, merchantId: string): Promise<Result<MerchantRecord>> {
  const merchant = await deps.reads.merchant(merchantId, { merchantId, fault: null });
  return merchant ? ok(merchant) : fail("not_found", "unknown merchant", { message: "unknown merchant" });
}

export async function putApp(deps: CatalogueDeps, app: AppInput): Promise<Result<CreatedApp>> {
  const secret = app.client_secret ?? `cs_${randomBytes(24).toString("base64url")}`;
  const written = await applyWorld(deps, { apps: [{ ...app, client_secret: secret }] });
  return written.ok ? ok({ client_key: app.client_key, client_secret: secret, name: app.name }) : written;
}

export const putMerchant = (deps: CatalogueDeps, merchant: WorldMerchantT) =>
  applyWorld(deps, { merchants: [merchant] });

/** The merchant as it is, with one more (or one replaced) shop or grant. */
const withMerchant = (m: MerchantRecord) => ({
  merchant_id: m.merchantId,
  name: m.name,
  country: m.country,
  timezone: m.timezone,
});

export const putShop = (deps: CatalogueDeps, merchant: MerchantRecord, shop: WorldShopT) =>
  applyWorld(deps, { merchants: [{ ...withMerchant(merchant), shops: [shop] }] });

export const putGrant = (deps: CatalogueDeps, merchant: MerchantRecord, grant: WorldGrantT) =>
  applyWorld(deps, { merchants: [{ ...withMerchant(merchant), grants: [grant] }] });

/** Its tokens stop working at once. */
export async function revokeGrant(
  deps: CatalogueDeps,
  merchantId: string,
  clientKey: string,
): Promise<Result<{ revoked: true }>> {
  const revoked = await deps.writer.write((w) => w.revokeGrant(clientKey, merchantId, deps.clock.now()));
  return revoked ? ok({ revoked: true }) : fail("not_found", "no such grant", { message: "no such grant" });
}

export const putHoliday = (deps: CatalogueDeps, holiday: WorldHolidayT): Promise<Result<WorldSummary>> =>
  applyWorld(deps, { holidays: [holiday] });

export const putProduct = (deps: CatalogueDeps, product: WorldProductT): Promise<Result<WorldSummary>> =>
  applyWorld(deps, { products: [product] });
