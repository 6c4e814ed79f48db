/**
 * The gateway checks of CONTRACT.md section 2, in order: token, rate limit and enumeration
 * budget (before the body is read), then (after the body, which the transport checks) scopes
 * and merchant, main account, shop permission.
 */
import type { BusinessClock, FulfillmentReads } from "../core/ports.js";
import type { MerchantRecord, ShopRecord } from "../core/records.js";
import { describeError, fail, ok, type Result } from "../core/result.js";
import type { RowId } from "../domain/catalogue.js";
import { hashToken } from "../security/secret-box.js";
import { ENUMERATION_THROTTLED, type EnumerationGuard } from "./enumeration-guard.js";
import type { GatewayStore, GrantRecord, WindowCounter } from "./ports.js";

/** The endpoint whose rows a check answers (cancel and records answer redeem's). */
export type SaasEndpoint = "query" | "redeem";

export interface GatewayRows {
  readonly schema: RowId;
  readonly scopeRead: RowId;
  readonly noScope: RowId;
  readonly mainAccountRead: RowId;
  readonly shopPermissionRead: RowId;
  readonly noShop: RowId;
  readonly scope: string;
  readonly faults: { readonly scope: string; readonly mainAccount: string; readonly shopPermission: string };
}

/** Which catalogue row each gateway check answers, per endpoint (CONTRACT.md section 2). */
export const GATEWAY_ROWS: Record<SaasEndpoint, GatewayRows> = {
  query: {
    schema: "G1",
    scopeRead: "G7",
    noScope: "G4",
    mainAccountRead: "G9",
    shopPermissionRead: "G8",
    noShop: "G2",
    scope: "localservice.fulfill.query",
    faults: {
      scope: "query.scan_permission",
      mainAccount: "query.main_account",
      shopPermission: "query.shop_permission",
    },
  },
  redeem: {
    schema: "R1",
    scopeRead: "R6",
    noScope: "R2b",
    mainAccountRead: "R7",
    shopPermissionRead: "R5",
    noShop: "R2",
    scope: "localservice.fulfill.redeem",
    faults: {
      scope: "redeem.redeem_permission",
      mainAccount: "redeem.main_account",
      shopPermission: "redeem.shop_permission",
    },
  },
};

export interface Caller {
  readonly appId: string;
  readonly merchantId: string;
}

export interface Authorized {
  readonly caller: Caller;
  readonly grant: GrantRecord;
  readonly merchant: MerchantRecord;
  /** null when the request named no shop (query_redeem_record may omit it). */
  readonly shop: ShopRecord | null;
}

export interface CallerDeps {
  readonly gateway: GatewayStore;
  readonly reads: FulfillmentReads;
  readonly clock: BusinessClock;
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? (m[1] as string) : null;
}

/** Step 1: the token. A store failure here answers the endpoint's permission-read row. */
export async function authenticate(
  deps: CallerDeps,
  header: string | undefined,
  endpoint: SaasEndpoint,
): Promise<Result<Caller>> {
  const token = bearerToken(header);
  if (!token) return fail("access_token_invalid", "no bearer token");
  let record: Awaited<ReturnType<GatewayStore["token"]>>;
  try {
    record = await deps.gateway.token(hashToken(token));
  } catch (err) {
    return fail(GATEWAY_ROWS[endpoint].scopeRead, `token read failed: ${describeError(err)}`);
  }
  if (!record || record.kind !== "access") return fail("access_token_invalid", "unknown token");
  if (record.revoked) return fail("access_token_invalid", "token revoked");
  if (record.expiresAt <= deps.clock.now()) return fail("access_token_invalid", "token expired");
  return ok({ appId: record.appId, merchantId: record.merchantId });
}

/**
 * Requests per second per key (app + merchant + endpoint), on the real clock, counted in
 * one-second windows. Per process, or shared by every process through Redis; when the shared
 * count is unreachable the limit fails open (CONTRACT.md section 2, README).
 */
export class RateLimiter {
  constructor(
    readonly perSecond: number,
    readonly counter: WindowCounter,
  ) {}

  /** null when allowed, else the seconds to wait (Retry-After). */
  async take(key: string): Promise<number | null> {
    const c = await this.counter.add(key, 1);
    if (c === null || c.total <= this.perSecond) return null;
    return Math.max(1, Math.ceil(c.msLeft / 1000));
  }
}

export interface AdmissionDeps extends CallerDeps {
  readonly limiter: RateLimiter;
  readonly enumeration: EnumerationGuard;
}

/** The rate limit's name: the endpoint, or for the extensions theirs (counted apart). */
export type LimitName = "query" | "redeem" | "cancel" | "records";

/**
 * Steps 1 and 2, before the body is read: the token, then the rate limit and (on
 * get_code_item_list and redeem_code, the endpoints that name codes) the enumeration budget,
 * checked together.
 */
export async function admit(
  deps: AdmissionDeps,
  header: string | undefined,
  endpoint: SaasEndpoint,
  limit: LimitName,
): Promise<Result<Caller>> {
  const auth = await authenticate(deps, header, endpoint);
  if (!auth.ok) return auth;
  const caller = auth.value;
  const budgeted = limit === "query" || limit === "redeem";
  // The grant is read again (from the read cache) at step 4, where its failure has its row.
  const grant = budgeted
    ? await deps.gateway
        .grant(caller.appId, caller.merchantId, { merchantId: caller.merchantId, fault: null })
        .catch(() => null)
    : null;
  const [wait, over] = await Promise.all([
    deps.limiter.take(`${caller.appId}:${caller.merchantId}:${limit}`),
    budgeted
      ? deps.enumeration.blocked({ ...caller, onBehalfOfAppId: grant?.onBehalfOfAppId ?? null })
      : null,
  ]);
  if (wait === null && over === null) return auth;
  const cause = over !== null ? ENUMERATION_THROTTLED : "rate limit";
  return fail("rate_limit_exceeded", cause, { retryAfterSeconds: Math.max(wait ?? 0, over ?? 0) });
}

/** Steps 4–6: scopes and merchant, main account, shop permission. */
export async function authorize(
  deps: CallerDeps,
  caller: Caller,
  endpoint: SaasEndpoint,
  bodyMerchantId: string,
  thirdShopId: string | null,
): Promise<Result<Authorized>> {
  const rows = GATEWAY_ROWS[endpoint];
  const ctx = (fault: string) => ({ merchantId: caller.merchantId, fault });
  let grant: GrantRecord | null;
  try {
    grant = await deps.gateway.grant(caller.appId, caller.merchantId, ctx(rows.faults.scope));
  } catch (err) {
    return fail(rows.scopeRead, describeError(err));
  }
  // A revoked grant revokes its tokens.
  if (!grant || grant.revoked) return fail("access_token_invalid", "grant revoked");
  if (!grant.scopes.includes(rows.scope)) return fail(rows.noScope, `grant lacks ${rows.scope}`);
  if (bodyMerchantId !== caller.merchantId)
    return fail(rows.noScope, "merchant_id is not the token's merchant");

  let merchant: MerchantRecord | null;
  try {
    merchant = await deps.reads.merchant(caller.merchantId, ctx(rows.faults.mainAccount));
  } catch (err) {
    return fail(rows.mainAccountRead, describeError(err));
  }
  if (!merchant) return fail(rows.mainAccountRead, "merchant main account missing");

  if (thirdShopId === null) return ok({ caller, grant, merchant, shop: null });
  let shop: ShopRecord | null;
  try {
    shop = await deps.reads.shopByThirdId(caller.merchantId, thirdShopId, ctx(rows.faults.shopPermission));
  } catch (err) {
    return fail(rows.shopPermissionRead, describeError(err));
  }
  if (!shop) return fail(rows.noShop, "third_shop_id is not a shop of this merchant");
  if (grant.thirdShopIds.length > 0 && !grant.thirdShopIds.includes(thirdShopId)) {
    return fail(rows.noShop, "third_shop_id is outside the grant's shops");
  }
  return ok({ caller, grant, merchant, shop });
}
