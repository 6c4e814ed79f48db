/** Today's redemptions at this shop, newest first, with cancel while the window is open. */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Api, CodeItem, RedemptionRecord } from "../api.js";
import type { Notice, Ui } from "../app.js";
import { maskCode, money } from "../format.js";
import { failureKey, failureLogId } from "../messages.js";
import { NoticeBox, when } from "./parts.js";

interface Props {
  ui: Ui;
  api: Api;
  merchantId: string;
  onUnauthorized: () => void;
  onUnpair: () => void;
  onSession: () => Promise<void>;
}

const PAGE = 50;

/** "Coffee set for two · Rp 99.000", or "2 × Coffee set for two · Rp 99.000" per product and price. */
function detailsOf(items: readonly CodeItem[], locale: string): string {
  const groups = new Map<string, { item: CodeItem; n: number }>();
  for (const item of items) {
    const key = `${item.product_name}\u0000${item.sale_amount}\u0000${item.currency}`;
    const g = groups.get(key);
    if (g) g.n += 1;
    else groups.set(key, { item, n: 1 });
  }
  return [...groups.values()]
    .map(({ item, n }) => {
      const price = money(item.sale_amount, item.currency, locale);
      return `${n > 1 ? `${n} × ` : ""}${item.product_name} · ${price}`;
    })
    .join("; ");
}

export function HistoryScreen({ ui, api, merchantId, onUnauthorized, onUnpair, onSession }: Props) {
  const [records, setRecords] = useState<RedemptionRecord[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState<string | null>(null);
  const [confirmUnpair, setConfirmUnpair] = useState(false);
  // Product and price per redemption: a record names only codes, so the codes are looked up
  // (one lookup per redemption, one at a time; a row without them still shows its codes).
  const [details, setDetails] = useState<ReadonlyMap<string, string>>(new Map());
  const asked = useRef(new Set<string>());
  const inFlight = useRef(false);
  const thirdShopId = ui.shop.thirdShopId;
  const dayStart = ui.dayStart;

  const load = useCallback(
    async (more: string | null) => {
      setLoading(true);
      const r = await api.records({
        merchant_id: merchantId,
        third_shop_id: thirdShopId,
        start_time: dayStart,
        end_time: dayStart + 86_400,
        cursor: more ?? "0",
        size: PAGE,
      });
      setLoading(false);
      if (!r.ok) {
        if (r.failure.kind === "unauthorized") return onUnauthorized();
        setNotice({ tone: "error", key: failureKey(r.failure), logId: failureLogId(r.failure) });
        return;
      }
      setRecords((prev) => (more && prev ? [...prev, ...r.data.records] : r.data.records));
      setCursor(r.data.has_more ? r.data.cursor : null);
    },
    [api, merchantId, thirdShopId, dayStart, onUnauthorized],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  useEffect(() => {
    if (!records) return;
    let stopped = false;
    void (async () => {
      for (const r of records) {
        if (stopped) return;
        if (asked.current.has(r.redeem_id)) continue;
        asked.current.add(r.redeem_id);
        const found = await api.lookup({
          merchant_id: merchantId,
          third_shop_id: thirdShopId,
          locale: ui.locale,
          code_list: r.codes,
        });
        if (!found.ok) continue;
        const items = found.data.code_list.filter((i) => r.codes.includes(i.code));
        if (items.length === 0) continue;
        const text = detailsOf(items, ui.locale);
        setDetails((prev) => new Map(prev).set(r.redeem_id, text));
      }
    })();
    return () => {
      stopped = true;
    };
  }, [records, api, merchantId, thirdShopId, ui.locale]);

  const cancel = async (redeemId: string) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setCancelling(redeemId);
    try {
      const r = await api.cancel({
        merchant_id: merchantId,
        third_shop_id: thirdShopId,
        redeem_id: redeemId,
        locale: ui.locale,
      });
      setConfirming(null);
      if (r.ok) setNotice({ tone: "ok", key: "history.cancelDone", logId: null });
      else if (r.failure.kind === "unauthorized") return onUnauthorized();
      else setNotice({ tone: "error", key: failureKey(r.failure), logId: failureLogId(r.failure) });
      // Whatever the answer (a lost reply too), the list shows what is true now.
      await load(null);
    } finally {
      inFlight.current = false;
      setCancelling(null);
    }
  };

  return (
    <section class="screen history" data-screen="history">
      <div class="history-head">
        <h1>{ui.t("history.title", { shop: ui.shopName || thirdShopId })}</h1>
        <button
          type="button"
          class="btn secondary small"
          onClick={() => {
            setNotice(undefined);
            void onSession().then(() => load(null));
          }}
          disabled={loading}
        >
          {ui.t("history.refresh")}
        </button>
      </div>
      {notice && <NoticeBox ui={ui} notice={notice} />}
      {records !== null && records.length === 0 && <p class="empty">{ui.t("history.empty")}</p>}
      <ul class="records">
        {(records ?? []).map((r) => (
          <li
            key={r.redeem_id}
            class={`record ${r.status === "CANCELLED" ? "cancelled" : ""}`}
            data-redeem-id={r.redeem_id}
            data-status={r.status}
          >
            <div class="record-main">
              <span class="record-time">{when(ui, r.redeem_time)}</span>
              <span class="record-product" data-testid="record-product">
                {details.get(r.redeem_id) ?? ""}
              </span>
              <span class="record-codes">
                {ui.t(r.codes.length === 1 ? "history.codesOne" : "history.codes", { n: r.codes.length })}:{" "}
                {r.codes.map(maskCode).join(", ")}
              </span>
              <span class="record-status">
                {r.status === "CANCELLED"
                  ? ui.t("history.cancelled", { time: when(ui, r.cancel_time) })
                  : ui.t("history.redeemed")}
              </span>
              <span class="record-id">#{r.redeem_id}</span>
            </div>
            {r.can_cancel && confirming !== r.redeem_id && (
              <button
                type="button"
                class="btn danger"
                onClick={() => setConfirming(r.redeem_id)}
                disabled={cancelling !== null}
              >
                {ui.t("history.cancel")}
              </button>
            )}
            {confirming === r.redeem_id && (
              <div class="confirm" role="alertdialog" aria-label={ui.t("history.cancelConfirm")}>
                <p>{ui.t("history.cancelConfirm")}</p>
                <div class="actions">
                  <button
                    type="button"
                    class="btn secondary"
                    onClick={() => setConfirming(null)}
                    disabled={cancelling !== null}
                  >
                    {ui.t("history.cancelNo")}
                  </button>
                  <button
                    type="button"
                    class="btn danger grow"
                    onClick={() => void cancel(r.redeem_id)}
                    disabled={cancelling !== null}
                    data-testid="cancel-yes"
                  >
                    {ui.t("history.cancelYes")}
                  </button>
                </div>
              </div>
            )}
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" class="btn secondary" onClick={() => void load(cursor)} disabled={loading}>
          {ui.t("history.more")}
        </button>
      )}
      <div class="unpair">
        {confirmUnpair ? (
          <div class="confirm">
            <p>{ui.t("pair.unpairConfirm")}</p>
            <div class="actions">
              <button type="button" class="btn secondary" onClick={() => setConfirmUnpair(false)}>
                {ui.t("history.cancelNo")}
              </button>
              <button type="button" class="btn danger grow" onClick={onUnpair}>
                {ui.t("pair.unpair")}
              </button>
            </div>
          </div>
        ) : (
          <button type="button" class="btn link" onClick={() => setConfirmUnpair(true)}>
            {ui.t("pair.unpair")}
          </button>
        )}
      </div>
    </section>
  );
}
