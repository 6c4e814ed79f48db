/**
 * The result of a redeem: what was redeemed (the product as the heading, the redemption id and
 * time small), or why not, in plain words; when the last answer says the codes can still be
 * redeemed, "Try again" is the primary action. So it is when no answer came at all: the server
 * may never have been reached, or a redeem may have committed and lost its reply, so the state is
 * unknown. "Try again" then only reads the codes again (no second redeem), and the cashier sees
 * their true state; "Next customer" would send away a customer whose voucher may still be valid.
 */
import type { Order, Ui } from "../app.js";
import { isRedeemable, type RedeemOutcome } from "../flow.js";
import { groupCode } from "../format.js";
import { failureKey, failureLogId } from "../messages.js";
import { LogId, StateText, when } from "./parts.js";

interface Props {
  ui: Ui;
  order: Order;
  outcome: RedeemOutcome;
  busy: boolean;
  onNext: () => void;
  onReopen: () => void;
  /** Sends the redeem of the still-redeemable codes again (outcome `redeemable`). */
  onRetry: () => void;
}

/** The distinct product names of some items, in order: "Coffee set for two", or "A · B". */
const productsOf = (items: readonly { product_name: string }[]) =>
  [...new Set(items.map((i) => i.product_name).filter((n) => n !== ""))].join(" · ");

export function ResultScreen({ ui, order, outcome, busy, onNext, onReopen, onRetry }: Props) {
  const ok = outcome.kind === "redeemed";
  const retry = outcome.kind === "redeemable";
  const redeemed = outcome.redeemed;
  const byRedemption = new Map<string, typeof redeemed>();
  for (const r of redeemed) byRedemption.set(r.redeemId, [...(byRedemption.get(r.redeemId) ?? []), r]);
  const items = outcome.kind === "redeemed" ? null : outcome.items;
  const others = items ? items.filter((i) => !redeemed.some((r) => r.item.code === i.code)) : [];
  const stillRedeemable =
    others.some((i) => isRedeemable(i, ui.shop)) || (outcome.kind === "failed" && outcome.items === null);
  const unreached = outcome.kind === "failed" && outcome.failure.kind === "network" && stillRedeemable;
  // No answer at all: the redeem may have committed, so the heading does not say it did not.
  const status = ok
    ? ui.t("result.ok")
    : redeemed.length > 0
      ? ui.t("result.partial")
      : unreached
        ? ui.t("result.unconfirmed")
        : ui.t("result.failed");
  const heading = ok ? productsOf(redeemed.map((r) => r.item)) || status : status;

  return (
    <section
      class={`screen result ${ok ? "ok" : "failed"}`}
      data-screen="result"
      data-outcome={outcome.kind}
      data-reconciled={ok && outcome.reconciled ? "yes" : "no"}
    >
      <div class="result-head" role="status">
        <div class="result-icon" aria-hidden="true">
          {ok ? "✓" : "✕"}
        </div>
        {ok && <p class="result-status">{status}</p>}
        <h1 class="result-title">{heading}</h1>
        {redeemed.length > 0 && (
          <p class="result-count">
            {ui.t(redeemed.length === 1 ? "result.okCountOne" : "result.okCount", { n: redeemed.length })}
          </p>
        )}
      </div>
      {ok && outcome.reconciled && (
        <p class="notice info" data-testid="reconciled">
          {ui.t("result.reconciled")}
        </p>
      )}
      {outcome.kind === "redeemable" && (
        <div class="notice info" role="status" data-testid="notice">
          <p class="notice-text">
            {ui.t(outcome.redeemable.length === 1 ? "result.stillRedeemableOne" : "result.stillRedeemable")}
          </p>
        </div>
      )}
      {outcome.kind === "failed" && (
        <div class="notice error" role="alert" data-testid="notice">
          <p class="notice-text">{ui.t(failureKey(outcome.failure))}</p>
          {failureLogId(outcome.failure) && <LogId ui={ui} id={failureLogId(outcome.failure) as string} />}
        </div>
      )}
      {[...byRedemption].map(([redeemId, list]) => {
        const time = list.find((r) => r.redeemTime !== null)?.redeemTime ?? ui.shop.now();
        return (
          <div class="redemption" key={redeemId} data-redeem-id={redeemId}>
            {!ok && <p class="redemption-product">{productsOf(list.map((r) => r.item))}</p>}
            <ul class="codes">
              {list.map((r) => (
                <li key={r.item.code}>
                  <span class="mono">{groupCode(r.item.code)}</span>
                </li>
              ))}
            </ul>
            <p class="redemption-meta">
              <span data-testid="redeem-time" data-unix={String(time)}>
                {ui.t("result.at", { time: when(ui, time) })}
              </span>
              {" · "}
              <span class="mono" data-testid="redeem-id">
                {ui.t("result.redeemId", { id: redeemId })}
              </span>
            </p>
          </div>
        );
      })}
      {others.length > 0 && (
        <ul class="codes others">
          {others.map((i) => (
            <li key={i.code}>
              <span class="mono">{groupCode(i.code)}</span> · {i.product_name} ·{" "}
              <StateText ui={ui} item={i} />
            </li>
          ))}
        </ul>
      )}
      {ok && outcome.logId && <LogId ui={ui} id={outcome.logId} />}
      <div class="actions">
        {retry || unreached ? (
          <>
            <button type="button" class="btn secondary" onClick={onNext} disabled={busy}>
              {ui.t("nav.new")}
            </button>
            <button
              type="button"
              class="btn primary big grow"
              onClick={retry ? onRetry : onReopen}
              data-testid="retry"
              disabled={busy}
            >
              {busy && retry ? ui.t("preview.redeeming") : ui.t("result.tryAgain")}
            </button>
          </>
        ) : (
          <>
            {!ok && stillRedeemable && (
              <button type="button" class="btn secondary" onClick={onReopen} disabled={busy}>
                {ui.t("nav.back")}
              </button>
            )}
            <button
              type="button"
              class="btn primary big grow"
              onClick={onNext}
              data-testid="next"
              disabled={busy}
            >
              {ui.t("nav.new")}
            </button>
          </>
        )}
      </div>
      <p class="sr-only">{order.shopOrderId}</p>
    </section>
  );
}
