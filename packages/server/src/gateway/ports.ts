/** What the gateway reads and writes besides the core's records. */
import type { LoggedRequest } from "../core/platform-ports.js";
import type { ReadContext } from "../core/ports.js";

export interface AppRecord {
  readonly appId: string;
  readonly clientKey: string;
  readonly clientSecretEnc: string;
  readonly name: string;
  readonly webhookUrl: string | null;
}

export interface GrantRecord {
  readonly appId: string;
  readonly merchantId: string;
  readonly scopes: readonly string[];
  /** Empty: every shop of the merchant. */
  readonly thirdShopIds: readonly string[];
  readonly revoked: boolean;
  /**
   * For a POS device paired on behalf of an app: that app's id (the grant above is then already
   * narrowed to what the app's current grant allows). null for every other grant.
   */
  readonly onBehalfOfAppId: string | null;
}

/**
 * A shop id no shop has and no request can name (third_shop_id is at most 64 characters): a
 * device whose shop its parent app no longer covers gets the list [NO_SHOP], so it acts for no
 * shop, never for all of them (an empty list means every shop).
 */
export const NO_SHOP = "<no shop: the app this device acts for no longer covers the device's shop>";

export interface TokenRecord {
  readonly tokenHash: string;
  readonly kind: "access" | "refresh";
  readonly appId: string;
  readonly merchantId: string;
  readonly expiresAt: number;
  readonly revoked: boolean;
}

export interface IdempotencyRecord {
  readonly bodyHash: string;
  readonly state: "in_flight" | "done";
  readonly response: StoredResponse | null;
  readonly createdAtMs: number;
}

export interface StoredResponse {
  readonly httpStatus: number;
  readonly body: string;
}

/** One request as the request log keeps it: the core's record (support reads it by log id). */
export type RequestLogEntry = LoggedRequest;

export interface GatewayStore {
  appByClientKey(clientKey: string): Promise<AppRecord | null>;
  app(appId: string, ctx: ReadContext): Promise<AppRecord | null>;
  grant(appId: string, merchantId: string, ctx: ReadContext): Promise<GrantRecord | null>;
  token(tokenHash: string): Promise<TokenRecord | null>;
  insertTokens(tokens: readonly TokenRecord[], now: number): Promise<void>;
  /** Revokes a refresh token if it is still live; false when another refresh already rotated it. */
  consumeRefreshToken(tokenHash: string, now: number): Promise<boolean>;
  /** Claims a key: null when claimed now, else the existing record (a claim older than `staleBeforeMs` is taken over). */
  claimIdempotencyKey(
    appId: string,
    merchantId: string,
    key: string,
    bodyHash: string,
    nowMs: number,
    expiredBeforeMs: number,
    staleBeforeMs: number,
  ): Promise<IdempotencyRecord | null>;
  finishIdempotencyKey(
    appId: string,
    merchantId: string,
    key: string,
    response: StoredResponse,
  ): Promise<void>;
  releaseIdempotencyKey(appId: string, merchantId: string, key: string): Promise<void>;
  insertRequestLogs(entries: readonly RequestLogEntry[]): Promise<void>;
  requestLog(logId: string): Promise<RequestLogEntry | null>;
  purgeRequestLog(before: number): Promise<number>;
  purgeIdempotencyKeys(beforeMs: number): Promise<number>;
  /** Housekeeping: tokens past their expiry at business time `now`. */
  purgeExpiredTokens(now: number): Promise<number>;
}

export interface WindowCount {
  /** Points counted for the key in the current window. */
  readonly total: number;
  /** Until the window ends. */
  readonly msLeft: number;
}

/** A count per key over a fixed real-clock window (per process, or shared by every process). */
export interface WindowCounter {
  /** Adds points; null when the count is unknown (a fail-open counter during an outage). */
  add(key: string, points: number): Promise<WindowCount | null>;
  /** The current count; null when nothing was counted in this window (or it is unknown). */
  peek(key: string): Promise<WindowCount | null>;
  /** Takes points back (points held for a request that did not need them); null as for `add`. */
  giveBack(key: string, points: number): Promise<WindowCount | null>;
}
