/**
 * The gateway checks of CONTRACT.md section 2, in order: token, then (after the rate limit and
 * the body, which the transport checks) scopes and merchant, main account, shop permission.
 */
import type { BusinessClock, FulfillmentReads } from "../core/ports.js";
import type { MerchantRecord, ShopRecord } from "../core/records.js";
import { describeError } from "../core/result.js";
import type { RowId } from "../domain/catalogue.js";
import { hashToken } from "../security/secret-box.js";
import { GATEWAY_ROWS, type SaasEndpoint } from "./endpoint-rows.js";
import type { GatewayStore, GrantRecord } from "./ports.js";

export interface Caller {
  readonly appId: string;
  readonly merchantId: string;
}

export type AuthOutcome =
  | { ok: true; caller: Caller }
  | { ok: false; kind: "token"; cause: string }
  | { ok: false; kind: "row"; row: RowId; cause: string };

export interface Authorized {
  readonly caller: Caller;
  readonly grant: GrantRecord;
  readonly merchant: MerchantRecord;
  /** null when the request named no shop (query_redeem_record may omit it). */
  readonly shop: ShopRecord | null;
}

export type AuthorizeOutcome =
  | { ok: true; value: Authorized }
  | { ok: false; row: RowId; cause: string; status?: 401 };

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
): Promise<AuthOutcome> {
  const token = bearerToken(header);
  if (!token) return { ok: false, kind: "token", cause: "no bearer token" };
  let record: Awaited<ReturnType<GatewayStore["token"]>>;
  try {
    record = await deps.gateway.token(hashToken(token));
  } catch (err) {
    return {
      ok: false,
      kind: "row",
      row: GATEWAY_ROWS[endpoint].scopeRead,
      cause: `token read failed: ${describeError(err)}`,
    };
  }
  if (!record || record.kind !== "access") return { ok: false, kind: "token", cause: "unknown token" };
  if (record.revoked) return { ok: false, kind: "token", cause: "token revoked" };
  if (record.expiresAt <= deps.clock.now()) return { ok: false, kind: "token", cause: "token expired" };
  return { ok: true, caller: { appId: record.appId, merchantId: record.merchantId } };
}

/** Steps 4–6: scopes and merchant, main account, shop permission. */
export async function authorize(
  deps: CallerDeps,
  caller: Caller,
  endpoint: SaasEndpoint,
  bodyMerchantId: string,
  thirdShopId: string | null,
): Promise<AuthorizeOutcome> {
  const rows = GATEWAY_ROWS[endpoint];
  const ctx = (fault: string) => ({ merchantId: caller.merchantId, fault });
  let grant: GrantRecord | null;
  try {
    grant = await deps.gateway.grant(caller.appId, caller.merchantId, ctx(rows.faults.scope));
  } catch (err) {
    return { ok: false, row: rows.scopeRead, cause: describeError(err) };
  }
  // A revoked grant revokes its tokens.
  if (!grant || grant.revoked) return { ok: false, row: rows.noScope, cause: "grant revoked", status: 401 };
  if (!grant.scopes.includes(rows.scope))
    return { ok: false, row: rows.noScope, cause: `grant lacks ${rows.scope}` };
  if (bodyMerchantId !== caller.merchantId)
    return { ok: false, row: rows.noScope, cause: "merchant_id is not the token's merchant" };

  let merchant: MerchantRecord | null;
  try {
    merchant = await deps.reads.merchant(caller.merchantId, ctx(rows.faults.mainAccount));
  } catch (err) {
    return { ok: false, row: rows.mainAccountRead, cause: describeError(err) };
  }
  if (!merchant) return { ok: false, row: rows.mainAccountRead, cause: "merchant main account missing" };

  if (thirdShopId === null) return { ok: true, value: { caller, grant, merchant, shop: null } };
  let shop: ShopRecord | null;
  try {
    shop = await deps.reads.shopByThirdId(caller.merchantId, thirdShopId, ctx(rows.faults.shopPermission));
  } catch (err) {
    return { ok: false, row: rows.shopPermissionRead, cause: describeError(err) };
  }
  if (!shop) return { ok: false, row: rows.noShop, cause: "third_shop_id is not a shop of this merchant" };
  if (grant.thirdShopIds.length > 0 && !grant.thirdShopIds.includes(thirdShopId)) {
    return { ok: false, row: rows.noShop, cause: "third_shop_id is outside the grant's shops" };
  }
  return { ok: true, value: { caller, grant, merchant, shop } };
}
