/**
 * The POS's client: the four SaaS endpoints (as any SaaS client calls them, with the device
 * token as the bearer token), pairing and the session. Paths, bodies, answers and how an answer
 * is read come from `@fulfill/sdk/wire`, as the SDK's own client reads them; every answer
 * becomes either data or one `Failure` the screens can explain.
 */
import {
  type Answer,
  type CancelBody,
  type CancelData,
  classify,
  type Endpoint,
  exchange,
  type LookupBody,
  type LookupData,
  type RecordsBody,
  type RecordsData,
  type RedeemBody,
  type RedeemData,
  type RedeemRecord,
  PATHS as SAAS_PATHS,
} from "@fulfill/sdk/wire";

export type { Answer, CodeItem, Failure, Handling, LookupData, RecordsData } from "@fulfill/sdk/wire";
export type RedemptionRecord = RedeemRecord;

export const PATHS = {
  ...SAAS_PATHS,
  pair: "/pos/api/pair",
  session: "/pos/api/session",
} as const;

export interface PairData {
  access_token: string;
  expires_in: number;
  device_id: string;
  device_name: string;
  merchant_id: string;
  third_shop_id: string;
  shop_name: string;
}

export interface SessionData {
  device_id: string;
  device_name: string;
  merchant_id: string;
  merchant_name: string;
  third_shop_id: string;
  shop_name: string;
  timezone: string;
  now: number;
  day_start: number;
  cancel_window_seconds: number;
  can_redeem: boolean;
}

export interface Transport {
  fetch: typeof fetch;
  /** ms before a call counts as unanswered. */
  timeoutMs: number;
}

const defaultTransport = (): Transport => ({
  fetch: (...args) => globalThis.fetch(...args),
  timeoutMs: 15_000,
});

export type NetworkListener = (ok: boolean) => void;

export class Api {
  #token: string | null;
  readonly transport: Transport;
  /** Told after every call whether the server answered (the offline banner listens). */
  onNetwork: NetworkListener = () => {};

  constructor(
    token: string | null,
    transport: Transport = defaultTransport(),
    readonly base = "",
  ) {
    this.#token = token;
    this.transport = transport;
  }

  setToken(token: string | null): void {
    this.#token = token;
  }

  /** One attempt; `endpoint` names the catalogue rows to read the answer by (null for pairing and the session). */
  async call<T>(
    method: "GET" | "POST" | "DELETE",
    path: string,
    endpoint: Endpoint | null,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { accept: "application/json", ...extraHeaders };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    const answer = classify<T>(
      endpoint,
      await exchange({
        url: this.base + path,
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        timeoutMs: this.transport.timeoutMs,
        fetch: this.transport.fetch,
        requestInit: { cache: "no-store", credentials: "omit" },
      }),
    );
    this.onNetwork(answer.ok || answer.failure.kind !== "network");
    return answer;
  }

  pair(code: string) {
    return this.call<PairData>("POST", PATHS.pair, null, { code });
  }

  session() {
    return this.call<SessionData>("GET", PATHS.session, null);
  }

  /** The device unpairs itself: its token stops working on the server too. */
  unpair() {
    return this.call<{ revoked: boolean }>("DELETE", PATHS.session, null);
  }

  lookup(body: LookupBody) {
    return this.call<LookupData>("POST", PATHS.query, "query", body);
  }

  redeem(body: RedeemBody, idempotencyKey: string) {
    return this.call<RedeemData>("POST", PATHS.redeem, "redeem", body, { "idempotency-key": idempotencyKey });
  }

  cancel(body: CancelBody) {
    return this.call<CancelData>("POST", PATHS.cancel, "cancel", body);
  }

  records(body: RecordsBody & { third_shop_id: string }) {
    return this.call<RecordsData>("POST", PATHS.records, "records", body);
  }
}
