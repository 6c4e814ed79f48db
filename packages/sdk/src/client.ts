/**
 * The Node client: tokens, the SaaS endpoints, and the handling classes of CONTRACT.md section 3
 * as policy. `retry` retries in place with full-jitter bounded backoff; a 429 waits for
 * Retry-After; `recheck` (and a redeem whose answer never came) re-runs the lookup and
 * reconciles; `rescan`, `refresh_qr` and `none` are thrown at once as their own error classes.
 * Each part lives in its own file (options, tokens, transport, one per endpoint); the wire
 * module (`./wire/`) holds what the POS shares: paths, types, answers, reconcile, the key rule.
 */
import { type CancelParams, type CancelResult, cancel } from "./cancel.js";
import { type LookupParams, type LookupResult, lookup } from "./lookup.js";
import { type ClientOptions, settingsOf } from "./options.js";
import { type RecordsParams, type RecordsResult, records } from "./records.js";
import { type RedeemParams, type RedeemResult, redeem } from "./redeem.js";
import { createTokenSource } from "./tokens.js";
import { createTransport } from "./transport.js";

export interface FulfillClient {
  /** get_code_item_list by typed codes or a scanned QR. */
  lookup(params: LookupParams): Promise<LookupResult>;
  /** redeem_code, all codes or none, with the Idempotency-Key rule across retries and rechecks. */
  redeem(params: RedeemParams): Promise<RedeemResult>;
  /** (ext) cancel_redeem within the cancel window. */
  cancel(params: CancelParams): Promise<CancelResult>;
  /** (ext) query_redeem_record, newest first, one page. */
  records(params: RecordsParams): Promise<RecordsResult>;
  /** The current access token (obtaining or refreshing it if needed). */
  accessToken(signal?: AbortSignal): Promise<string>;
}

export function createClient(options: ClientOptions): FulfillClient {
  const settings = settingsOf(options);
  const tokens = createTokenSource({
    baseUrl: settings.baseUrl,
    merchantId: settings.merchantId,
    clientKey: options.clientKey,
    clientSecret: options.clientSecret,
    accessToken: options.accessToken,
    refreshSkewSeconds: settings.refreshSkewSeconds,
    timeoutMs: settings.timeoutMs,
    now: settings.now,
    fetch: settings.fetch,
  });
  const transport = createTransport(settings, tokens);
  return {
    lookup: (params) => lookup(transport, params),
    redeem: (params) => redeem(transport, params),
    cancel: (params) => cancel(transport, params),
    records: (params) => records(transport, params),
    accessToken: async (signal) => (await tokens.get(signal)).accessToken,
  };
}
