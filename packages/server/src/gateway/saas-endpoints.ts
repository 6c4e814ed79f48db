/**
 * The SaaS endpoints as the HTTP layer calls them (http/saas-routes.ts), each bound to its
 * dependencies once, by the composition root. A route parses, calls one of these, sends its
 * outcome.
 */
import type { CancelDeps } from "../core/cancel-redemption.js";
import type { LookupDeps } from "../core/lookup.js";
import type { BusinessClock, FulfillmentReads, RealClock } from "../core/ports.js";
import type { RedeemDeps } from "../core/redeem-codes.js";
import type { Result } from "../core/result.js";
import type { SecretBox } from "../security/secret-box.js";
import { admit, type Caller, type LimitName, type RateLimiter, type SaasEndpoint } from "./caller.js";
import { type CancelData, cancelEndpoint } from "./cancel-endpoint.js";
import type { EnumerationGuard } from "./enumeration-guard.js";
import type { AboutRedemption } from "./envelope.js";
import type { FailureThrottle } from "./failure-throttle.js";
import { type LookupData, lookupEndpoint } from "./lookup-endpoint.js";
import { type TokenResult, tokenEndpoint } from "./oauth.js";
import type { GatewayStore } from "./ports.js";
import type { QrCodec } from "./qr-codec.js";
import { type RecordsData, recordsEndpoint } from "./records-endpoint.js";
import { type RedeemAnswer, redeemEndpoint } from "./redeem-endpoint.js";
import type { CancelBodyT, QueryBodyT, RecordsBodyT, RedeemBodyT, TokenFormT } from "./saas-schemas.js";

export interface SaasEndpoints {
  /** Steps 1 and 2, before the body is read: the token, the rate limit, the enumeration budget. */
  admit(authorization: string | undefined, endpoint: SaasEndpoint, limit: LimitName): Promise<Result<Caller>>;
  /** POST /merchant/oauth/token/ from this client address. */
  token(form: TokenFormT, address: string): Promise<TokenResult>;
  /** get_code_item_list. */
  lookup(caller: Caller, body: QueryBodyT): Promise<Result<LookupData>>;
  /** redeem_code; `logId` is this request's (a final answer is stored with it). */
  redeem(
    caller: Caller,
    body: RedeemBodyT,
    idempotencyKey: string | undefined,
    logId: string,
  ): Promise<RedeemAnswer>;
  /** (ext) cancel_redeem. */
  cancel(caller: Caller, body: CancelBodyT): Promise<AboutRedemption<CancelData>>;
  /** (ext) query_redeem_record. */
  records(caller: Caller, body: RecordsBodyT): Promise<Result<RecordsData>>;
}

export interface SaasDeps {
  readonly gateway: GatewayStore;
  /** The permission reads (merchant, shop): the primary's. */
  readonly reads: FulfillmentReads;
  readonly clock: BusinessClock;
  readonly realClock: RealClock;
  readonly secrets: SecretBox;
  readonly lookup: LookupDeps;
  readonly redeem: RedeemDeps;
  readonly cancel: CancelDeps;
  readonly qr: QrCodec;
  readonly limiter: RateLimiter;
  readonly enumeration: EnumerationGuard;
  /** Failed token requests. */
  readonly tokenThrottle: FailureThrottle;
  readonly accessTtlSeconds: number;
  readonly refreshTtlSeconds: number;
}

/** A final redeem answer is replayed for 24 h; a claim in flight for a minute was abandoned. */
const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const IDEMPOTENCY_STALE_MS = 60 * 1000;

export function saasEndpoints(deps: SaasDeps): SaasEndpoints {
  const caller = { gateway: deps.gateway, reads: deps.reads, clock: deps.clock };
  const admission = { ...caller, limiter: deps.limiter, enumeration: deps.enumeration };
  const oauth = {
    gateway: deps.gateway,
    secrets: deps.secrets,
    clock: deps.clock,
    accessTtlSeconds: deps.accessTtlSeconds,
    refreshTtlSeconds: deps.refreshTtlSeconds,
    throttle: deps.tokenThrottle,
  };
  const lookup = { caller, lookup: deps.lookup, qr: deps.qr, enumeration: deps.enumeration };
  const redeem = {
    caller,
    redeem: deps.redeem,
    gateway: deps.gateway,
    realClock: deps.realClock,
    idempotencyTtlMs: IDEMPOTENCY_TTL_MS,
    idempotencyStaleMs: IDEMPOTENCY_STALE_MS,
    enumeration: deps.enumeration,
  };
  const records = {
    caller,
    reads: deps.reads,
    clock: deps.clock,
    cancelWindowSeconds: deps.cancel.cancelWindowSeconds,
  };
  return {
    admit: (authorization, endpoint, limit) => admit(admission, authorization, endpoint, limit),
    token: (form, address) => tokenEndpoint(oauth, form, address),
    lookup: (who, body) => lookupEndpoint(lookup, who, body),
    redeem: (who, body, key, logId) => redeemEndpoint(redeem, who, body, key, logId),
    cancel: (who, body) => cancelEndpoint({ caller, cancel: deps.cancel }, who, body),
    records: (who, body) => recordsEndpoint(records, who, body),
  };
}
