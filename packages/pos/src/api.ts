/**
 * The POS's own small client: the four SaaS endpoints (as any SaaS client calls them, with the
 * device token as the bearer token), pairing and the session. Every answer becomes either data
 * or one `Failure` the screens can explain.
 */

export const PATHS = {
  query: "/v2/localservice/saas/fulfill/get_code_item_list/",
  redeem: "/v2/localservice/saas/fulfill/redeem_code/",
  cancel: "/v2/localservice/saas/fulfill/cancel_redeem/",
  records: "/v2/localservice/saas/fulfill/query_redeem_record/",
  pair: "/pos/api/pair",
  session: "/pos/api/session",
} as const;

export type Handling = "retry" | "recheck" | "rescan" | "refresh_qr" | "none";

export type Failure =
  /** No answer at all: offline, connection cut, timeout, or a proxy's non-JSON error page. */
  | { kind: "network"; timedOut: boolean }
  /** The token is unknown or revoked: the device must be paired again. */
  | { kind: "unauthorized"; logId: string | null }
  /** Too many requests: wait `retryAfter` seconds. */
  | { kind: "busy"; retryAfter: number; logId: string | null }
  /** An error row of the catalogue (or a generic error code). */
  | {
      kind: "row";
      code: string;
      message: string;
      handling: Handling;
      description: string | null;
      logId: string | null;
      data: Record<string, unknown>;
    };

export type Answer<T> = { ok: true; data: T; logId: string | null } | { ok: false; failure: Failure };

/** Whether calling again (after a recheck for a redeem) may succeed. */
export function isTransient(f: Failure): boolean {
  if (f.kind === "network" || f.kind === "busy") return true;
  return f.kind === "row" && (f.handling === "retry" || f.handling === "recheck");
}

export interface CodeItem {
  code: string;
  item_order_id: string;
  product_name: string;
  goods_image_url: string;
  refund_rule_desc: string;
  crossed_amount: string;
  sale_amount: string;
  currency: string;
  code_can_use_time: { start_time: number; end_time: number };
  code_cannot_use_date: {
    enable: boolean;
    content_list: { type: string; title: string; contents: string[] }[];
  };
  redemption_status: number;
  product_id: string;
  third_product_id: string;
  redeem_id?: string;
  redemption_source?: number;
  redeemed_third_shop_id: string;
  redeem_time?: number;
}

export interface LookupData {
  shop_order_id: string;
  code_list: CodeItem[];
}

export interface RedemptionRecord {
  redeem_id: string;
  shop_order_id: string;
  codes: string[];
  item_order_ids: string[];
  third_shop_id: string;
  redeem_time: number;
  redemption_source: number;
  status: "REDEEMED" | "CANCELLED";
  cancel_time: number;
  can_cancel: boolean;
}

export interface RecordsData {
  records: RedemptionRecord[];
  cursor: string;
  has_more: boolean;
}

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

/** int64 fields (redeemed_shop_id) are JSON numbers with every digit; the POS never reads them, so losing digits is harmless. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

type Envelope = {
  data?: unknown;
  error?: { code?: unknown; message?: unknown; log_id?: unknown; handling?: unknown; description?: unknown };
};

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

  async call<T>(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { accept: "application/json", ...extraHeaders };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.transport.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await this.transport.fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: controller.signal,
        cache: "no-store",
        credentials: "omit",
      });
      text = await res.text();
    } catch {
      this.onNetwork(false);
      return { ok: false, failure: { kind: "network", timedOut } };
    } finally {
      clearTimeout(timer);
    }
    const json = parseJson(text) as Envelope | null;
    const logId = typeof json?.error?.log_id === "string" ? json.error.log_id : res.headers.get("x-tt-logid");
    if (!json || typeof json !== "object" || !json.error) {
      // Not our server's answer (a proxy's error page, a cut body): as if nothing came back.
      this.onNetwork(false);
      return { ok: false, failure: { kind: "network", timedOut: false } };
    }
    this.onNetwork(true);
    const code = String(json.error.code ?? "");
    if (res.status === 200 && code === "0") return { ok: true, data: (json.data ?? {}) as T, logId };
    if (res.status === 401 || code === "access_token_invalid")
      return { ok: false, failure: { kind: "unauthorized", logId } };
    if (res.status === 429 || code === "rate_limit_exceeded") {
      const retryAfter = Number(res.headers.get("retry-after") ?? "1");
      return {
        ok: false,
        failure: {
          kind: "busy",
          retryAfter: Number.isFinite(retryAfter) ? Math.min(Math.max(retryAfter, 1), 30) : 1,
          logId,
        },
      };
    }
    const handling = json.error.handling;
    return {
      ok: false,
      failure: {
        kind: "row",
        code,
        message: String(json.error.message ?? ""),
        // Generic 5xx codes carry no handling: an internal error may pass on a retry; others will not.
        handling: isHandling(handling) ? handling : res.status >= 500 ? "retry" : "none",
        description: typeof json.error.description === "string" ? json.error.description : null,
        logId,
        data: json.data && typeof json.data === "object" ? (json.data as Record<string, unknown>) : {},
      },
    };
  }

  pair(code: string) {
    return this.call<PairData>("POST", PATHS.pair, { code });
  }

  session() {
    return this.call<SessionData>("GET", PATHS.session);
  }

  /** The device unpairs itself: its token stops working on the server too. */
  unpair() {
    return this.call<{ revoked: boolean }>("DELETE", PATHS.session);
  }

  lookup(body: {
    merchant_id: string;
    third_shop_id: string;
    locale: string;
    code_list?: string[];
    qr_info?: string;
  }) {
    return this.call<LookupData>("POST", PATHS.query, body);
  }

  redeem(
    body: {
      merchant_id: string;
      third_shop_id: string;
      shop_order_id: string;
      code_list: string[];
      locale: string;
    },
    idempotencyKey: string,
  ) {
    return this.call<{ redeem_id: string }>("POST", PATHS.redeem, body, {
      "idempotency-key": idempotencyKey,
    });
  }

  cancel(body: { merchant_id: string; third_shop_id: string; redeem_id: string; locale: string }) {
    return this.call<{ redeem_id: string; cancel_time: number }>("POST", PATHS.cancel, body);
  }

  records(body: {
    merchant_id: string;
    third_shop_id: string;
    start_time: number;
    end_time: number;
    cursor: string;
    size: number;
  }) {
    return this.call<RecordsData>("POST", PATHS.records, body);
  }
}

function isHandling(v: unknown): v is Handling {
  return v === "retry" || v === "recheck" || v === "rescan" || v === "refresh_qr" || v === "none";
}
