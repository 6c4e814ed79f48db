/**
 * The counter's logic, apart from the screens: which codes can be redeemed here, a lookup that
 * retries what the catalogue says to retry, and a redeem that never redeems twice: one
 * Idempotency-Key kept across its retries, and after a lost reply or a transient answer the
 * lookup is run again and the result reconciled with what the server actually did.
 */
import type { Api, CodeItem, Failure, LookupData } from "./api.js";

export const STATUS = {
  INIT: 0,
  WAIT_FULFILL: 100,
  FINISH: 400,
  AFTER_SALE_PROCESSING: 500,
  AFTER_SALE_SUCCESS: 501,
} as const;
export const SOURCE_SAAS = 2;

export interface Shop {
  readonly merchantId: string;
  readonly thirdShopId: string;
  readonly locale: string;
  /** The business clock's now, as well as the POS knows it. */
  now(): number;
}

export type ItemState =
  | "redeemable"
  | "unavailable_now"
  | "not_yet"
  | "expired"
  | "not_active"
  | "used_here"
  | "used_elsewhere"
  | "refund_in_progress"
  | "refunded";

/** What the counter can do with a code now. Lookups only list codes usable at this shop. */
export function itemState(item: CodeItem, shop: Shop): ItemState {
  switch (item.redemption_status) {
    case STATUS.FINISH:
      return item.redeemed_third_shop_id === shop.thirdShopId ? "used_here" : "used_elsewhere";
    case STATUS.AFTER_SALE_PROCESSING:
      return "refund_in_progress";
    case STATUS.AFTER_SALE_SUCCESS:
      return "refunded";
    case STATUS.WAIT_FULFILL: {
      const now = shop.now();
      const { start_time, end_time } = item.code_can_use_time;
      if (end_time > 0 && now >= end_time) return "expired";
      if (start_time > 0 && now < start_time) return "not_yet";
      if (item.code_cannot_use_date.enable) return "unavailable_now";
      return "redeemable";
    }
    default:
      return "not_active";
  }
}

export const isRedeemable = (item: CodeItem, shop: Shop) => itemState(item, shop) === "redeemable";

export interface Pacing {
  /** Waits between attempts (ms); tests make it instant. */
  sleep(ms: number): Promise<void>;
  readonly attempts: number;
  readonly backoffMs: readonly number[];
}

export const defaultPacing: Pacing = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  attempts: 4,
  backoffMs: [400, 1000, 2000, 4000],
};

function waitFor(failure: Failure, attempt: number, pacing: Pacing): number {
  if (failure.kind === "busy") return failure.retryAfter * 1000;
  return pacing.backoffMs[Math.min(attempt, pacing.backoffMs.length - 1)] ?? 1000;
}

export type LookupInput = { kind: "codes"; codes: string[] } | { kind: "qr"; qr: string };

export type LookupResult =
  | { ok: true; data: LookupData; logId: string | null }
  | { ok: false; failure: Failure };

/**
 * get_code_item_list, retried in place while the answer is transient (handling `retry`, a 429,
 * no answer). Rows that need a person (rescan, refresh the QR, a wrong code) come back at once.
 */
export async function lookup(
  api: Api,
  shop: Shop,
  input: LookupInput,
  pacing: Pacing = defaultPacing,
): Promise<LookupResult> {
  const body = {
    merchant_id: shop.merchantId,
    third_shop_id: shop.thirdShopId,
    locale: shop.locale,
    ...(input.kind === "codes" ? { code_list: input.codes } : { qr_info: input.qr }),
  };
  let last: Failure = { kind: "network", timedOut: false };
  for (let attempt = 0; attempt < pacing.attempts; attempt++) {
    if (attempt > 0) await pacing.sleep(waitFor(last, attempt - 1, pacing));
    const r = await api.lookup(body);
    if (r.ok) return r;
    last = r.failure;
    const again =
      last.kind === "network" || last.kind === "busy" || (last.kind === "row" && last.handling === "retry");
    if (!again) break;
  }
  return { ok: false, failure: last };
}

export interface RedeemedCode {
  readonly item: CodeItem;
  readonly redeemId: string;
  readonly redeemTime: number | null;
}

export type RedeemOutcome =
  /** Every selected code is now redeemed at this shop. `reconciled`: learned from a lookup after the reply was lost or transient. */
  | { kind: "redeemed"; redeemed: RedeemedCode[]; reconciled: boolean; logId: string | null }
  /**
   * Nothing more can be redeemed: `failure` says why; `items` (when a recheck ran) holds the
   * codes' states now; `redeemed` the codes that a reconciliation found redeemed here anyway.
   */
  | { kind: "failed"; failure: Failure; items: CodeItem[] | null; redeemed: RedeemedCode[] };

export interface RedeemRequest {
  readonly shopOrderId: string;
  readonly items: readonly CodeItem[];
}

export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === "function") return `pos-${c.randomUUID()}`;
  const bytes = new Uint8Array(16);
  c.getRandomValues(bytes);
  return `pos-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

const finishedHere = (item: CodeItem, shop: Shop) =>
  item.redemption_status === STATUS.FINISH &&
  item.redeemed_third_shop_id === shop.thirdShopId &&
  (item.redemption_source ?? SOURCE_SAAS) === SOURCE_SAAS &&
  typeof item.redeem_id === "string";

/**
 * Redeems the selected codes. The request keeps one Idempotency-Key across its retries, so a
 * retry after a lost reply can never redeem twice. After a transient answer or no answer it
 * re-runs the lookup: the codes now FINISH at this shop through the SaaS are redeemed (shown
 * with the redeem_id and redeem_time the lookup gives); what is still redeemable is tried
 * again; when nothing is left to try, the outcome says why.
 */
export async function redeem(
  api: Api,
  shop: Shop,
  request: RedeemRequest,
  pacing: Pacing = defaultPacing,
  onRecheck: () => void = () => {},
): Promise<RedeemOutcome> {
  let pending = [...request.items];
  const redeemed: RedeemedCode[] = [];
  let key = newIdempotencyKey();
  let reconciled = false;
  let last: Failure = { kind: "network", timedOut: false };
  let lastItems: CodeItem[] | null = null;

  for (let attempt = 0; attempt < pacing.attempts; attempt++) {
    const r = await api.redeem(
      {
        merchant_id: shop.merchantId,
        third_shop_id: shop.thirdShopId,
        shop_order_id: request.shopOrderId,
        code_list: pending.map((i) => i.code),
        locale: shop.locale,
      },
      key,
    );
    if (r.ok) {
      const redeemId = r.data.redeem_id;
      // The success answer has only the redeem_id; a quick lookup adds the redeem time.
      const after = await api.lookup({
        merchant_id: shop.merchantId,
        third_shop_id: shop.thirdShopId,
        locale: shop.locale,
        code_list: pending.map((i) => i.code),
      });
      const fresh = after.ok
        ? new Map(after.data.code_list.map((i) => [i.code, i]))
        : new Map<string, CodeItem>();
      for (const item of pending) {
        const now = fresh.get(item.code);
        redeemed.push({
          item: now ?? item,
          redeemId,
          redeemTime: now?.redeem_id === redeemId ? (now.redeem_time ?? null) : null,
        });
      }
      return { kind: "redeemed", redeemed, reconciled, logId: r.logId };
    }
    last = r.failure;
    if (last.kind === "unauthorized" || !isRetryable(last)) break;

    // No answer, or a transient one: ask the server what is true now.
    onRecheck();
    await pacing.sleep(waitFor(last, attempt, pacing));
    const check = await lookup(api, shop, { kind: "codes", codes: pending.map((i) => i.code) }, pacing);
    if (!check.ok) {
      if (check.failure.kind === "unauthorized") {
        last = check.failure;
        break;
      }
      // Cannot see the state: the same body with the same key is safe to send again.
      continue;
    }
    lastItems = check.data.code_list;
    const now = new Map(check.data.code_list.map((i) => [i.code, i]));
    const stillPending: CodeItem[] = [];
    for (const item of pending) {
      const current = now.get(item.code);
      if (current && finishedHere(current, shop)) {
        redeemed.push({
          item: current,
          redeemId: current.redeem_id as string,
          redeemTime: current.redeem_time ?? null,
        });
        reconciled = true;
      } else if (current && isRedeemable(current, shop)) {
        stillPending.push(current);
      }
    }
    if (stillPending.length === 0) {
      if (redeemed.length === request.items.length)
        return { kind: "redeemed", redeemed, reconciled, logId: null };
      break;
    }
    // A different set of codes is a different request: it needs a key of its own.
    if (stillPending.length !== pending.length) key = newIdempotencyKey();
    pending = stillPending;
  }
  return { kind: "failed", failure: last, items: lastItems, redeemed };
}

/** Transient for a redeem: retried after a recheck. `rescan`/`refresh_qr` never come from redeem. */
function isRetryable(f: Failure): boolean {
  if (f.kind === "network" || f.kind === "busy") return true;
  return f.kind === "row" && (f.handling === "retry" || f.handling === "recheck");
}
