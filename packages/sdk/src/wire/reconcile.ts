/**
 * After a redeem whose outcome is unknown (no answer, or handling `recheck`), the lookup of the
 * same codes says what happened. Each code is redeemed here (FINISH at this shop through the
 * SaaS: ours, or another counter's, either way done), still redeemable (send it again), or
 * blocked (another shop, refunded, gone): the verdict the SDK and the POS both act on.
 */
import { type CodeItem, type LookupData, RedemptionSource, RedemptionStatus } from "./types.js";

/** The redeem being reconciled. */
export interface RedeemTarget {
  readonly thirdShopId: string;
  readonly shopOrderId: string;
  readonly codes: readonly string[];
}

export interface Reconciled {
  /** `redeemed`: every code is redeemed here; `redeemable`: the rest can be sent again; `blocked`: stop. */
  readonly verdict: "redeemed" | "redeemable" | "blocked";
  /** The items redeemed here (each with its `redeem_id` and `redeem_time`), in request order. */
  readonly redeemed: CodeItem[];
  /** The items still WAIT_FULFILL: what a next attempt sends. */
  readonly redeemable: CodeItem[];
  /** Codes neither redeemed here nor redeemable (or not in the looked-up order). */
  readonly blocked: string[];
}

/** FINISH at this shop through the SaaS, with its redeem id. */
export function isRedeemedHere(item: CodeItem, thirdShopId: string): boolean {
  return (
    item.redemption_status === RedemptionStatus.FINISH &&
    typeof item.redeem_id === "string" &&
    item.redeem_id !== "" &&
    item.redeemed_third_shop_id === thirdShopId &&
    item.redemption_source === RedemptionSource.SAAS
  );
}

export function reconcile(target: RedeemTarget, found: LookupData): Reconciled {
  const byCode = new Map(found.code_list.map((item) => [item.code, item]));
  const redeemed: CodeItem[] = [];
  const redeemable: CodeItem[] = [];
  const blocked: string[] = [];
  for (const code of target.codes) {
    const item = byCode.get(code);
    if (!item || found.shop_order_id !== target.shopOrderId) blocked.push(code);
    else if (isRedeemedHere(item, target.thirdShopId)) redeemed.push(item);
    else if (item.redemption_status === RedemptionStatus.WAIT_FULFILL) redeemable.push(item);
    else blocked.push(code);
  }
  const verdict = blocked.length > 0 ? "blocked" : redeemable.length === 0 ? "redeemed" : "redeemable";
  return { verdict, redeemed, redeemable, blocked };
}

/**
 * How a redeem that stops trying ends: on the truth of its last answer. `failure` is the last
 * redeem attempt's; `recheck` the verdict of a lookup answered after it (null when none was, or
 * it got no answer). A recheck answered after the failure is the newer truth: when it saw every
 * pending code still WAIT_FULFILL, nothing was redeemed and the same redeem can be sent again
 * (`redeemable`), whatever the failed attempt said (e.g. no connection); when it saw them all
 * redeemed here, they are (`redeemed`). Only without a newer answer does the failure stand.
 */
export type RedeemEnding<F> =
  | { readonly kind: "redeemed" }
  | { readonly kind: "redeemable"; readonly redeemable: CodeItem[]; readonly after: F }
  | { readonly kind: "failed"; readonly failure: F };

export function endOfRedeem<F>(failure: F, recheck: Reconciled | null): RedeemEnding<F> {
  if (recheck?.verdict === "redeemed") return { kind: "redeemed" };
  if (recheck?.verdict === "redeemable")
    return { kind: "redeemable", redeemable: recheck.redeemable, after: failure };
  return { kind: "failed", failure };
}
