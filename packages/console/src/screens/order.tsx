/**
 * An order: its items with the three records' states side by side (voucher, execution,
 * sub-fulfillment) and the redemption status, its events with their webhook deliveries, and
 * the customer's QR drawn for testing.
 */
import { useEffect, useState } from "preact/hooks";
import type { OperatorApi } from "../api.js";
import { seg } from "../api.js";
import { href } from "../route.js";
import { when } from "../words.js";
import { Facts, Outcome, type Said, Section, said } from "./parts.js";

interface Order {
  shop_order_id: string;
  merchant_id: string;
  product_id: string;
  user_id: string;
  create_time: number;
  items: {
    item_order_id: string;
    code: string;
    voucher_status: string;
    execution_status: string;
    sub_fulfillment_status: string;
    redemption_status: number;
    redeem_id: string | null;
  }[];
}

interface OrderEvent {
  event_id: string;
  event: string;
  create_time: number;
  deliveries: { client_key: string; state: string; attempts: number; last_error: string | null }[];
}

export function OrderScreen({ api, shopOrderId }: { api: OperatorApi; shopOrderId: string | null }) {
  const [typed, setTyped] = useState(shopOrderId ?? "");
  const [order, setOrder] = useState<Order | null>(null);
  const [events, setEvents] = useState<OrderEvent[] | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Said | null>(null);

  useEffect(() => {
    setOrder(null);
    setEvents(null);
    setQr(null);
    setOutcome(null);
    if (!shopOrderId) return;
    setTyped(shopOrderId);
    api.get<Order>(`/platform/orders/${seg(shopOrderId)}`).then((a) => {
      if (a.ok) setOrder(a.data);
      else setOutcome(said(a, () => ""));
    });
    api.get<{ events: OrderEvent[] }>(`/platform/events?shop_order_id=${seg(shopOrderId)}`).then((a) => {
      if (a.ok) setEvents(a.data.events);
    });
  }, [api, shopOrderId]);

  async function issueQr() {
    if (!shopOrderId) return;
    const answer = await api.picture(`/platform/orders/${seg(shopOrderId)}/qr?format=png`);
    setOutcome(said(answer, () => "The customer's QR, as their app would show it now."));
    if (answer.ok) setQr(answer.data);
  }

  return (
    <div data-screen="order">
      <Section title="Order">
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (typed.trim()) location.hash = href("orders", typed.trim());
          }}
        >
          <label for="order-id">Shop order id</label>
          <input
            id="order-id"
            value={typed}
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
          />
          <button class="btn primary" type="submit" disabled={typed.trim() === ""}>
            Open
          </button>
        </form>
        <Outcome said={outcome} />
      </Section>
      {order && (
        <Section title={`Order ${order.shop_order_id}`}>
          <Facts
            rows={[
              ["Merchant", <a href={href("devices", order.merchant_id)}>{order.merchant_id}</a>],
              ["Product", order.product_id],
              ["Customer", order.user_id],
              ["Placed", when(order.create_time)],
            ]}
          />
          <div class="table-wrap">
            <table data-testid="items">
              <thead>
                <tr>
                  <th>Item</th>
                  <th>Code</th>
                  <th>Voucher</th>
                  <th>Execution</th>
                  <th>Sub-fulfillment</th>
                  <th>Redemption status</th>
                  <th>Redemption</th>
                </tr>
              </thead>
              <tbody>
                {order.items.map((i) => (
                  <tr key={i.item_order_id} data-item={i.item_order_id}>
                    <td>{i.item_order_id}</td>
                    <td>
                      <code>{i.code}</code>
                    </td>
                    <td>{i.voucher_status}</td>
                    <td>{i.execution_status}</td>
                    <td>{i.sub_fulfillment_status}</td>
                    <td data-testid="redemption-status">{i.redemption_status}</td>
                    <td>{i.redeem_id ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p>
            <button class="btn" type="button" onClick={issueQr}>
              Issue the customer's QR
            </button>
          </p>
          {qr && (
            <img
              src={qr}
              alt={`QR of order ${order.shop_order_id}`}
              width={240}
              height={240}
              data-testid="order-qr"
            />
          )}
        </Section>
      )}
      {events && (
        <Section title="Events and deliveries">
          {events.length === 0 ? (
            <p class="muted">No events.</p>
          ) : (
            <div class="table-wrap">
              <table data-testid="events">
                <thead>
                  <tr>
                    <th>Event</th>
                    <th>Type</th>
                    <th>Time</th>
                    <th>Deliveries</th>
                  </tr>
                </thead>
                <tbody>
                  {events.map((e) => (
                    <tr key={e.event_id}>
                      <td>{e.event_id}</td>
                      <td>{e.event}</td>
                      <td>{when(e.create_time)}</td>
                      <td>
                        {e.deliveries.length === 0
                          ? "none"
                          : e.deliveries
                              .map(
                                (d) =>
                                  `${d.client_key}: ${d.state} after ${d.attempts}${d.last_error ? ` (${d.last_error})` : ""}`,
                              )
                              .join("; ")}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Section>
      )}
    </div>
  );
}
