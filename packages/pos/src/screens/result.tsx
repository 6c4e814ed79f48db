/** The result of a redeem: what was redeemed (id and time), or why not, in plain words. */
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
}

export function ResultScreen({ ui, order, outcome, busy, onNext, onReopen }: Props) {
  const ok = outcome.kind === "redeemed";
  const redeemed = outcome.redeemed;
  const byRedemption = new Map<string, typeof redeemed>();
  for (const r of redeemed) byRedemption.set(r.redeemId, [...(byRedemption.get(r.redeemId) ?? []), r]);
  const others =
    outcome.kind === "failed" && outcome.items
      ? outcome.items.filter((i) => !redeemed.some((r) => r.item.code === i.code))
      : [];
  const stillRedeemable =
    others.some((i) => isRedeemable(i, ui.shop)) || (outcome.kind === "failed" && outcome.items === null);

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
        <h1>
          {ok ? ui.t("result.ok") : redeemed.length > 0 ? ui.t("result.partial") : ui.t("result.failed")}
        </h1>
        {redeemed.length > 0 && <p class="result-count">{ui.t("result.okCount", { n: redeemed.length })}</p>}
      </div>
      {ok && outcome.reconciled && (
        <p class="notice info" data-testid="reconciled">
          {ui.t("result.reconciled")}
        </p>
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
            <p class="redemption-head">
              <span data-testid="redeem-id">{ui.t("result.redeemId", { id: redeemId })}</span>{" "}
              <span data-testid="redeem-time" data-unix={String(time)}>
                {ui.t("result.at", { time: when(ui, time) })}
              </span>
            </p>
            <ul class="codes">
              {list.map((r) => (
                <li key={r.item.code}>
                  <span class="mono">{groupCode(r.item.code)}</span> · {r.item.product_name}
                </li>
              ))}
            </ul>
          </div>
        );
      })}
      {others.length > 0 && (
        <ul class="codes others">
          {others.map((i) => (
            <li key={i.code}>
              <span class="mono">{groupCode(i.code)}</span> · <StateText ui={ui} item={i} />
            </li>
          ))}
        </ul>
      )}
      {ok && outcome.logId && <LogId ui={ui} id={outcome.logId} />}
      <div class="actions">
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
      </div>
      <p class="sr-only">{order.shopOrderId}</p>
    </section>
  );
}
