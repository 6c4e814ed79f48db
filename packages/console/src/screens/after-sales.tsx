/**
 * After-sales: a customer's refund request for items of an order, then approve (all three
 * records refunded) or close (the items usable again); by id for a request made elsewhere; and
 * the expired-refund run. The queue is the platform's (GET /platform/after-sales): open requests
 * first, oldest first, paged; by state on demand.
 */
import { useState } from "preact/hooks";
import type { OperatorApi } from "../api.js";
import { seg } from "../api.js";
import { href } from "../route.js";
import { count, when } from "../words.js";
import { type PageAnswer, Pager, usePages } from "./pager.js";
import { Outcome, type Said, Section, said } from "./parts.js";

interface AfterSale {
  after_sale_order_id: string;
  shop_order_id: string;
  item_order_ids: string[];
  status: string;
  create_time: number;
  update_time: number;
  merchant_id?: string;
}

interface Queue extends PageAnswer {
  after_sales: (AfterSale & { merchant_id: string })[];
}

export const QUEUE_PAGE_SIZE = 10;
const STATES = [
  ["", "All, open first"],
  ["open", "Open"],
  ["approved", "Approved"],
  ["closed", "Closed"],
] as const;

const value = (e: Event) => (e.target as HTMLInputElement).value;

export function AfterSalesScreen({ api }: { api: OperatorApi }) {
  const [merchant, setMerchant] = useState("");
  const [orderId, setOrderId] = useState("");
  const [items, setItems] = useState("");
  const [byId, setById] = useState("");
  const [state, setState] = useState("");
  const [outcome, setOutcome] = useState<Said | null>(null);
  const [busy, setBusy] = useState(false);
  const pages = usePages<Queue>(
    api,
    `/platform/after-sales${state ? `?state=${seg(state)}` : ""}`,
    QUEUE_PAGE_SIZE,
  );
  const queue = pages.page?.after_sales ?? [];

  async function request(e: Event) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    const ids = items
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const answer = await api.call<AfterSale>("POST", "/platform/after-sales", {
      merchant_id: merchant.trim(),
      shop_order_id: orderId.trim(),
      item_order_ids: ids,
    });
    setBusy(false);
    setOutcome(said(answer, (a) => `Refund requested: after-sale ${a.after_sale_order_id} is ${a.status}.`));
    if (answer.ok) pages.reload();
  }

  async function settle(id: string, merchantId: string, verb: "approve" | "close") {
    if (busy) return;
    setBusy(true);
    const answer = await api.call<AfterSale>("POST", `/platform/after-sales/${seg(id)}/${verb}`, {
      merchant_id: merchantId,
    });
    setBusy(false);
    setOutcome(
      said(answer, (a) =>
        verb === "approve"
          ? `Refund ${a.after_sale_order_id} approved: its items are refunded.`
          : `After-sale ${a.after_sale_order_id} closed: its items are usable again.`,
      ),
    );
    if (answer.ok) pages.reload();
  }

  async function runExpired() {
    if (busy) return;
    setBusy(true);
    const answer = await api.call<{ refunded: { after_sale_order_id: string }[] }>(
      "POST",
      "/platform/expired-refunds/run",
    );
    setBusy(false);
    setOutcome(
      said(answer, (d) => `Expired-refund run: ${count(d.refunded.length, "after-sale", "after-sales")} made.`),
    );
    if (answer.ok) pages.reload();
  }

  return (
    <div data-screen="after-sales">
      <Section title="Request a refund">
        <form class="inline" onSubmit={request}>
          <label for="as-merchant">Merchant</label>
          <input id="as-merchant" value={merchant} onInput={(e) => setMerchant(value(e))} />
          <label for="as-order">Shop order</label>
          <input id="as-order" value={orderId} onInput={(e) => setOrderId(value(e))} />
          <label for="as-items">Items</label>
          <input id="as-items" value={items} placeholder="item ids" onInput={(e) => setItems(value(e))} />
          <button class="btn primary" type="submit" disabled={busy || !merchant.trim() || !orderId.trim()}>
            Request refund
          </button>
        </form>
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            settle(byId.trim(), merchant.trim(), "approve");
          }}
        >
          <label for="as-id">After-sale id</label>
          <input id="as-id" value={byId} onInput={(e) => setById(value(e))} />
          <button class="btn" type="submit" disabled={busy || !byId.trim() || !merchant.trim()}>
            Approve by id
          </button>
          <button
            class="btn"
            type="button"
            disabled={busy || !byId.trim() || !merchant.trim()}
            onClick={() => settle(byId.trim(), merchant.trim(), "close")}
          >
            Close by id
          </button>
        </form>
        <p>
          <button class="btn" type="button" disabled={busy} onClick={runExpired}>
            Run expired refunds now
          </button>
        </p>
        <Outcome said={outcome} />
      </Section>
      <Section title="Queue">
        <p class="inline">
          <label for="as-state">Show</label>
          <select
            id="as-state"
            value={state}
            onChange={(e) => setState((e.target as HTMLSelectElement).value)}
          >
            {STATES.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
          <button class="btn" type="button" onClick={pages.reload}>
            Refresh
          </button>
        </p>
        <Outcome said={pages.failure} />
        {queue.length === 0 ? (
          <p class="muted">No refund request here.</p>
        ) : (
          <div class="table-wrap">
            <table data-testid="after-sales">
              <thead>
                <tr>
                  <th>After-sale</th>
                  <th>Merchant</th>
                  <th>Order</th>
                  <th>Items</th>
                  <th>Status</th>
                  <th>Updated</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {queue.map((a) => (
                  <tr key={a.after_sale_order_id} data-after-sale={a.after_sale_order_id}>
                    <td>{a.after_sale_order_id}</td>
                    <td>{a.merchant_id}</td>
                    <td>
                      <a href={href("orders", a.shop_order_id)}>{a.shop_order_id}</a>
                    </td>
                    <td>{a.item_order_ids.join(", ")}</td>
                    <td data-testid="after-sale-status">{a.status}</td>
                    <td>{when(a.update_time)}</td>
                    <td class="row-actions">
                      {/* A settled refund offers nothing: its state is final (the by-id form still asks). */}
                      {a.status === "PROCESSING" && (
                        <>
                      <button
                        class="btn primary"
                        type="button"
                        disabled={busy}
                        onClick={() => settle(a.after_sale_order_id, a.merchant_id, "approve")}
                      >
                        Approve
                      </button>
                      <button
                        class="btn"
                        type="button"
                        disabled={busy}
                        onClick={() => settle(a.after_sale_order_id, a.merchant_id, "close")}
                      >
                        Close
                      </button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager pages={pages} name="after-sales" />
      </Section>
    </div>
  );
}
