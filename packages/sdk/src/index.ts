/** @fulfill/sdk: a client for the TTLS-compatible fulfillment API (see README.md). */
export { CATALOGUE, type CatalogueRow, findRow, type Handling } from "./catalogue.js";
export {
  type CallOptions,
  type CancelParams,
  type CancelResult,
  type ClientOptions,
  type CredentialsOptions,
  createClient,
  type FixedTokenOptions,
  type FulfillClient,
  type LookupParams,
  type LookupResult,
  PATHS,
  type RecordsParams,
  type RecordsResult,
  type RedeemParams,
  type RedeemResult,
} from "./client.js";
export {
  AuthError,
  type Endpoint,
  FinalError,
  RateLimitedError,
  RecheckError,
  RefreshQrError,
  RescanError,
  RetryableError,
  TransportError,
  TtlsError,
  type TtlsErrorInit,
} from "./errors.js";
export { INT64_FIELDS, parseJson } from "./json.js";
export { TOKEN_PATH } from "./tokens.js";
export {
  type CodeCannotUseEntry,
  type CodeItem,
  type RedeemRecord,
  RedemptionSource,
  type RedemptionSourceValue,
  RedemptionStatus,
  type RedemptionStatusValue,
  type TokenPair,
} from "./types.js";
