/** @fulfill/sdk: a client for the TTLS-compatible fulfillment API (see README.md). */
export type { CancelParams, CancelResult } from "./cancel.js";
export { createClient, type FulfillClient } from "./client.js";
export {
  AuthError,
  type Endpoint,
  FinalError,
  NotRedeemedError,
  RateLimitedError,
  RecheckError,
  RefreshQrError,
  RescanError,
  RetryableError,
  TransportError,
  TtlsError,
  type TtlsErrorInit,
} from "./errors.js";
export type { LookupParams, LookupResult } from "./lookup.js";
export type { CallOptions, ClientOptions, CredentialsOptions, FixedTokenOptions } from "./options.js";
export type { RecordsParams, RecordsResult } from "./records.js";
export type { RedeemParams, RedeemResult } from "./redeem.js";
export { CATALOGUE, type CatalogueRow, findRow, type Handling } from "./wire/catalogue.js";
export { INT64_FIELDS, parseJson } from "./wire/json.js";
export { PATHS, TOKEN_PATH } from "./wire/paths.js";
export {
  type CodeCannotUseEntry,
  type CodeItem,
  type RedeemRecord,
  RedemptionSource,
  type RedemptionSourceValue,
  RedemptionStatus,
  type RedemptionStatusValue,
  type TokenPair,
} from "./wire/types.js";
