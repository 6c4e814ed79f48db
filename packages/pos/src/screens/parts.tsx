/** Pieces shared by the screens: a notice with its log id, a code's card and its state line. */
import { useState } from "preact/hooks";
import type { CodeItem } from "../api.js";
import type { Notice, Ui } from "../app.js";
import { itemState } from "../flow.js";
import { clockTime, day, dayTime, groupCode, money } from "../format.js";

export function NoticeBox({ ui, notice, onDismiss }: { ui: Ui; notice: Notice; onDismiss?: () => void }) {
  return (
    <div
      class={`notice ${notice.tone}`}
      role={notice.tone === "error" ? "alert" : "status"}
      data-testid="notice"
    >
      <p class="notice-text">{ui.t(notice.key, notice.params)}</p>
      {notice.items && notice.items.length > 0 && (
        <ul class="notice-items">
          {notice.items.map((item) => (
            <li key={item.code}>
              <span class="mono">{groupCode(item.code)}</span> · <StateText ui={ui} item={item} />
            </li>
          ))}
        </ul>
      )}
      {notice.logId && <LogId ui={ui} id={notice.logId} />}
      {onDismiss && (
        <button type="button" class="btn secondary small" onClick={onDismiss}>
          OK
        </button>
      )}
    </div>
  );
}

export function LogId({ ui, id }: { ui: Ui; id: string }) {
  return (
    <p class="logid" data-testid="logid">
      {ui.t("err.logId", { id })}
    </p>
  );
}

/** "14:02" on the merchant's today, else "28 Nov, 14:02". */
export function when(ui: Ui, unix: number): string {
  return unix >= ui.dayStart && unix < ui.dayStart + 86_400
    ? clockTime(unix, ui.locale, ui.timeZone)
    : dayTime(unix, ui.locale, ui.timeZone);
}

export function StateText({ ui, item }: { ui: Ui; item: CodeItem }) {
  const state = itemState(item, ui.shop);
  const time = item.redeem_time ? when(ui, item.redeem_time) : "";
  // Used before today: the sentence names the day ("on Nov 30, 14:02"), not only a clock time.
  const before = item.redeem_time !== undefined && item.redeem_time > 0 && item.redeem_time < ui.dayStart;
  const text =
    state === "used_here"
      ? ui.t(before ? "state.used_here_on" : "state.used_here", { time })
      : state === "used_elsewhere"
        ? ui.t(before ? "state.used_elsewhere_on" : "state.used_elsewhere", {
            shop: item.redeemed_third_shop_id,
            time,
          })
        : state === "not_yet"
          ? ui.t("state.not_yet", {
              from: dayTime(item.code_can_use_time.start_time, ui.locale, ui.timeZone),
            })
          : ui.t(`state.${state}`);
  return (
    <span class={`state state-${state}`} data-state={state}>
      {text}
    </span>
  );
}

/** The product image; a plain tile when there is none or it does not load. */
function Thumb({ url }: { url: string }) {
  const [failed, setFailed] = useState(false);
  if (!url || failed) return <div class="thumb" />;
  return (
    <img
      class="thumb"
      src={url}
      alt=""
      width={64}
      height={64}
      loading="lazy"
      referrerpolicy="no-referrer"
      onError={() => setFailed(true)}
    />
  );
}

export function ItemDetails({ ui, item }: { ui: Ui; item: CodeItem }) {
  const { start_time, end_time } = item.code_can_use_time;
  const validity =
    start_time > 0 && end_time > 0
      ? ui.t("preview.valid", {
          from: day(start_time, ui.locale, ui.timeZone),
          to: day(end_time, ui.locale, ui.timeZone),
        })
      : end_time > 0
        ? ui.t("preview.validTo", { to: day(end_time, ui.locale, ui.timeZone) })
        : null;
  const reminder = item.code_cannot_use_date;
  return (
    <div class="item-body">
      <Thumb url={item.goods_image_url} />
      <div class="item-text">
        <div class="product">{item.product_name}</div>
        <div class="price">
          <strong>{money(item.sale_amount, item.currency, ui.locale)}</strong>
          {item.crossed_amount && item.crossed_amount !== item.sale_amount && (
            <s>{money(item.crossed_amount, item.currency, ui.locale)}</s>
          )}
        </div>
        <div class="mono code">
          {ui.t("preview.code")} {groupCode(item.code)}
        </div>
        <StateText ui={ui} item={item} />
        {validity && <div class="meta">{validity}</div>}
        {reminder.content_list.map((entry) => (
          <div
            key={entry.type}
            class={`meta reminder${reminder.enable ? " warn" : ""}`}
            data-testid={`reminder-${entry.type}`}
          >
            <span class="meta-title">{entry.title}:</span> {entry.contents.join(" · ")}
          </div>
        ))}
      </div>
    </div>
  );
}
