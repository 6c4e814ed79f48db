/**
 * The counter's logic, apart from the screens: which codes can be redeemed here, a lookup that
 * retries what the catalogue says to retry, and a redeem that never redeems twice. Reading
 * answers, reconciling and the Idempotency-Key rule are `@fulfill/sdk/wire`'s (the SDK's too);
 * the pacing and what the screens see are the counter's own.
 */
import {
  type Answer,
  type CodeItem,
  endOfRedeem,
  type Failure,
  idempotencyKeys,
  isTransient,
  type LookupData,
  type Reconciled,
  RedemptionStatus,
  reconcile,
} from "@fulfill/sdk/wire";
import type { Api } from "./api.js";

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
    case RedemptionStatus.FINISH:
      return item.redeemed_third_shop_id === shop.thirdShopId ? "used_here" : "used_elsewhere";
    case RedemptionStatus.AFTER_SALE_PROCESSING:
      return "refund_in_progress";
    case RedemptionStatus.AFTER_SALE_SUCCESS:
      return "refunded";
    case RedemptionStatus.WAIT_FULFILL: {
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

/** The default pacing, or a test's shorter one (`pos.test.pacing`, see storage.ts). */
export function pacingOf(test: { attempts: number; backoffMs: number[] } | null): Pacing {
  return test ? { ...defaultPacing, ...test } : defaultPacing;
}

function waitFor(failure: Failure, attempt: number, pacing: Pacing): number {
  // Retry-After, within 1 to 30 s: a counter does not stand still longer.
  if (failure.kind === "busy") return Math.min(Math.max(failure.retryAfterMs, 1000), 30_000);
  return pacing.backoffMs[Math.min(attempt, pacing.backoffMs.length - 1)] ?? 1000;
}

export type LookupInput = { kind: "codes"; codes: string[] } | { kind: "qr"; qr: string };

export type LookupResult = Answer<LookupData>;

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
    ...shopOf(shop),
    ...(input.kind === "codes" ? { code_list: input.codes } : { qr_info: input.qr }),
  };
  let answer = await api.lookup(body);
  for (let attempt = 1; attempt < pacing.attempts; attempt++) {
    // No answer and a 429 are `retry` too; an unauthorized device is `none`.
    if (answer.ok || answer.failure.handling !== "retry") break;
    await pacing.sleep(waitFor(answer.failure, attempt - 1, pacing));
    answer = await api.lookup(body);
  }
  return answer;
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
   * The attempts ran out, and the last answer (a recheck after the last failed attempt) says the
   * `redeemable` codes are not redeemed and can still be: the same redeem can be tried again.
   * `failure` is that last attempt's (kept for the log id), `redeemed` what was redeemed anyway.
   */
  | {
      kind: "redeemable";
      redeemable: CodeItem[];
      items: CodeItem[];
      failure: Failure;
      redeemed: RedeemedCode[];
    }
  /**
   * Nothing more can be redeemed: `failure` says why; `items` (when a recheck ran) holds the
   * codes' states now; `redeemed` the codes that a reconciliation found redeemed here anyway.
   */
  | { kind: "failed"; failure: Failure; items: CodeItem[] | null; redeemed: RedeemedCode[] };

export interface RedeemRequest {
  readonly shopOrderId: string;
  readonly items: readonly CodeItem[];
}

/**
 * Redeems the selected codes, never twice. Its Idempotency-Key follows the wire module's rule:
 * the same key while the body is unchanged (a retry after a lost reply is answered by the
 * server's replay), a new key when the pending codes change. After a transient answer or no
 * answer it re-runs the lookup and acts on the wire module's reconcile verdict: codes FINISH at
 * this shop through the SaaS are redeemed (shown with the redeem_id and redeem_time the lookup
 * gives), what is still redeemable is tried again, and a code that is neither ends the redeem.
 * When the attempts run out it ends on the truth of its last answer (the wire module's
 * `endOfRedeem`): a recheck that answered after the last failed attempt outranks that failure.
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
  const keys = idempotencyKeys({ prefix: "pos-" });
  let reconciled = false;
  let last: Failure | null = null;
  let lastItems: CodeItem[] | null = null;
  /** The verdict of a recheck answered after the last failed attempt; null when none was. */
  let recheck: Reconciled | null = null;

  for (let attempt = 0; attempt < pacing.attempts; attempt++) {
    const codes = pending.map((i) => i.code);
    const body = {
      merchant_id: shop.merchantId,
      third_shop_id: shop.thirdShopId,
      shop_order_id: request.shopOrderId,
      code_list: codes,
      locale: shop.locale,
    };
    const r = await api.redeem(body, keys.keyFor(body));
    if (r.ok) {
      const redeemId = r.data.redeem_id;
      // The success answer has only the redeem_id; a quick lookup adds the redeem time.
      const after = await api.lookup({ ...shopOf(shop), code_list: codes });
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
    recheck = null;
    if (!isTransient(last)) break;

    // No answer, or a transient one: ask the server what is true now.
    onRecheck();
    await pacing.sleep(waitFor(last, attempt, pacing));
    const check = await lookup(api, shop, { kind: "codes", codes }, pacing);
    if (!check.ok) {
      if (check.failure.kind === "unauthorized") {
        last = check.failure;
        break;
      }
      // Cannot see the state: the same body with the same key is safe to send again.
      continue;
    }
    lastItems = check.data.code_list;
    const state: Reconciled = reconcile(
      { thirdShopId: shop.thirdShopId, shopOrderId: request.shopOrderId, codes },
      check.data,
    );
    for (const item of state.redeemed) {
      redeemed.push({ item, redeemId: item.redeem_id as string, redeemTime: item.redeem_time ?? null });
      reconciled = true;
    }
    if (state.verdict === "redeemed") return { kind: "redeemed", redeemed, reconciled, logId: null };
    recheck = state;
    if (state.verdict === "blocked") break;
    pending = state.redeemable;
  }
  const end = endOfRedeem(last ?? NO_ANSWER, recheck);
  if (end.kind === "redeemable")
    return {
      kind: "redeemable",
      redeemable: end.redeemable,
      items: lastItems ?? end.redeemable,
      failure: end.after,
      redeemed,
    };
  return { kind: "failed", failure: last ?? NO_ANSWER, items: lastItems, redeemed };
}

const shopOf = (shop: Shop) => ({
  merchant_id: shop.merchantId,
  third_shop_id: shop.thirdShopId,
  locale: shop.locale,
});

const NO_ANSWER: Failure = {
  kind: "network",
  handling: "recheck",
  message: "TransportFailed",
  description: "no attempt was made",
  timedOut: false,
  httpStatus: 0,
  logId: null,
};
