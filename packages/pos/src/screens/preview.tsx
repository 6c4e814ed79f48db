/** The order's codes: what each is, whether it can be redeemed here; select and redeem. */
import { useState } from "preact/hooks";
import type { Notice, Order, Ui } from "../app.js";
import { isRedeemable } from "../flow.js";
import { ItemDetails, NoticeBox } from "./parts.js";

interface Props {
  ui: Ui;
  order: Order;
  notice: Notice | undefined;
  busy: "lookup" | "redeem" | "recheck" | null;
  onRedeem: (codes: string[]) => void;
  onBack: () => void;
}

export function PreviewScreen({ ui, order, notice, busy, onRedeem, onBack }: Props) {
  const redeemable = order.items.filter((i) => isRedeemable(i, ui.shop)).map((i) => i.code);
  // Default: every code that can be redeemed here.
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set(redeemable));
  const chosen = redeemable.filter((c) => selected.has(c));
  const working = busy === "redeem" || busy === "recheck";

  const toggle = (code: string) => {
    if (working) return;
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(code)) next.delete(code);
      else next.add(code);
      return next;
    });
  };

  return (
    <section class="screen preview" data-screen="preview">
      <h1 class="order-title">
        {ui.t("preview.title")} <span class="mono order-id">{order.shopOrderId}</span>
      </h1>
      {notice && <NoticeBox ui={ui} notice={notice} />}
      {redeemable.length > 1 && <p class="help">{ui.t("preview.select")}</p>}
      {redeemable.length === 0 && (
        <p class="notice info" data-testid="none-redeemable">
          {ui.t("preview.none")}
        </p>
      )}
      <ul class="items">
        {order.items.map((item) => {
          const can = redeemable.includes(item.code);
          const on = can && selected.has(item.code);
          return (
            <li
              key={item.code}
              class={`item${can ? " can" : " cannot"}${on ? " selected" : ""}`}
              data-code={item.code}
            >
              {can ? (
                <label class="item-select">
                  <input
                    type="checkbox"
                    checked={on}
                    disabled={working}
                    onChange={() => toggle(item.code)}
                    aria-label={item.code}
                  />
                  <ItemDetails ui={ui} item={item} />
                </label>
              ) : (
                <ItemDetails ui={ui} item={item} />
              )}
            </li>
          );
        })}
      </ul>
      <div class="actions sticky">
        <button type="button" class="btn secondary" onClick={onBack} disabled={working}>
          {ui.t("nav.back")}
        </button>
        {redeemable.length > 0 && (
          <button
            type="button"
            class="btn primary big grow"
            data-testid="redeem"
            disabled={chosen.length === 0 || working}
            aria-busy={working}
            onClick={() => onRedeem(chosen)}
          >
            {busy === "recheck"
              ? ui.t("preview.rechecking")
              : busy === "redeem"
                ? ui.t("preview.redeeming")
                : chosen.length === 1
                  ? ui.t("preview.redeemOne")
                  : ui.t("preview.redeem", { n: chosen.length })}
          </button>
        )}
      </div>
    </section>
  );
}
