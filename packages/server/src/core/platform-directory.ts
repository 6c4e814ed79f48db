/**
 * The platform's directory, as the operator reads it: merchants, a merchant's shops, the SaaS
 * apps, a merchant's grants; each list in pages of at most `MAX_PAGE` by id, the cursor being the
 * last id of the page (null on the last page). An app's secret is never read here: the port has
 * no way to return it. POS devices' own apps and grants are not listed (the devices list shows
 * them).
 */
import { type Page, pageOf } from "./page.js";
import { fail, ok, type Result } from "./result.js";

export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 50;

/** Rows after `after` (an id, exclusive) in id order, at most `limit`. */
export interface PageQuery {
  readonly after: string | null;
  readonly limit: number;
}

export interface MerchantEntry {
  readonly merchantId: string;
  readonly name: string;
  readonly country: string;
  readonly timezone: string;
}

export interface MerchantDetail extends MerchantEntry {
  readonly shopCount: number;
  /** Grants not revoked (of SaaS apps; devices' excluded). */
  readonly grantCount: number;
}

export interface ShopEntry {
  readonly shopId: string;
  readonly merchantId: string;
  readonly thirdShopId: string;
  readonly name: string;
}

/** An app without its secret. */
export interface AppEntry {
  readonly appId: string;
  readonly clientKey: string;
  readonly name: string;
  readonly webhookUrl: string | null;
  readonly createdAt: number;
}

export interface GrantEntry {
  readonly appId: string;
  readonly clientKey: string;
  readonly appName: string;
  readonly scopes: readonly string[];
  /** Empty: every shop of the merchant. */
  readonly thirdShopIds: readonly string[];
  readonly revokedAt: number | null;
  readonly version: number;
}

/** The store's reads of the directory (store/platform-directory-store.ts). */
export interface PlatformDirectory {
  merchants(page: PageQuery): Promise<MerchantEntry[]>;
  merchant(merchantId: string): Promise<MerchantDetail | null>;
  shops(merchantId: string, page: PageQuery): Promise<ShopEntry[]>;
  apps(page: PageQuery): Promise<AppEntry[]>;
  grants(merchantId: string, page: PageQuery): Promise<GrantEntry[]>;
}

export type { Page } from "./page.js";

/** A page request as the route reads it: both optional. */
export interface PageRequest {
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
}

export interface DirectoryServices {
  merchants(page: PageRequest): Promise<Result<Page<MerchantEntry>>>;
  merchantDetail(merchantId: string): Promise<Result<MerchantDetail>>;
  shops(merchantId: string, page: PageRequest): Promise<Result<Page<ShopEntry>>>;
  apps(page: PageRequest): Promise<Result<Page<AppEntry>>>;
  grants(merchantId: string, page: PageRequest): Promise<Result<Page<GrantEntry>>>;
}

/** One more row than asked tells whether there is a next page (every operator list by id pages so). */
export async function paged<T>(
  request: PageRequest,
  read: (q: PageQuery) => Promise<T[]>,
  idOf: (row: T) => string,
): Promise<Page<T>> {
  const limit = Math.min(MAX_PAGE, Math.max(1, request.limit ?? DEFAULT_PAGE));
  return pageOf(await read({ after: request.cursor ?? null, limit: limit + 1 }), limit, idOf);
}

const unknownMerchant = () => fail("not_found", "unknown merchant", { message: "unknown merchant" });

export function directoryServices(directory: PlatformDirectory): DirectoryServices {
  /** A merchant's list: an unknown merchant is not_found, not an empty page. */
  const ofMerchant = async <T>(merchantId: string, list: () => Promise<Page<T>>) =>
    (await directory.merchant(merchantId)) ? ok(await list()) : unknownMerchant();
  return {
    merchants: async (page) =>
      ok(
        await paged(
          page,
          (q) => directory.merchants(q),
          (m) => m.merchantId,
        ),
      ),
    merchantDetail: async (merchantId) => {
      const found = await directory.merchant(merchantId);
      return found ? ok(found) : unknownMerchant();
    },
    shops: (merchantId, page) =>
      ofMerchant(merchantId, () =>
        paged(
          page,
          (q) => directory.shops(merchantId, q),
          (s) => s.shopId,
        ),
      ),
    apps: async (page) =>
      ok(
        await paged(
          page,
          (q) => directory.apps(q),
          (a) => a.appId,
        ),
      ),
    grants: (merchantId, page) =>
      ofMerchant(merchantId, () =>
        paged(
          page,
          (q) => directory.grants(merchantId, q),
          (g) => g.appId,
        ),
      ),
  };
}
