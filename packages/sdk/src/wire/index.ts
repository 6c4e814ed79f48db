/**
 * `@fulfill/sdk/wire`: the contract as data and pure rules, for any runtime with `fetch` (Node,
 * a browser): paths, bodies and answers, reading an answer, reconciling an unknown redeem, and
 * the Idempotency-Key rule. The POS uses only this; the SDK's Node client is built on it.
 */
export {
  type Answer,
  classify,
  type ErrorAnswer,
  type Failure,
  isTransient,
  noAnswerHandling,
} from "./answer.js";
export { CATALOGUE, type CatalogueRow, findRow, type Handling } from "./catalogue.js";
export {
  type Exchange,
  type ExchangeInit,
  exchange,
  type JsonAnswer,
  type NoAnswer,
  retryAfterMs,
} from "./exchange.js";
export {
  type IdempotencyKeys,
  type IdempotencyKeysOptions,
  idempotencyKeys,
  newIdempotencyKey,
} from "./idempotency.js";
export { INT64_FIELDS, parseJson } from "./json.js";
export { type Endpoint, PATHS, type SaasEndpoint, TOKEN_PATH } from "./paths.js";
export {
  endOfRedeem,
  isRedeemedHere,
  type Reconciled,
  type RedeemEnding,
  type RedeemTarget,
  reconcile,
} from "./reconcile.js";
export * from "./types.js";
