/**
 * Support's redemption search: by code, shop order, shop (its platform id) and time (UTC); the
 * results, cancelled ones too, link to their order. Paged newest first.
 */
import { useState } from "preact/hooks";
import type { OperatorApi } from "../api.js";
import { seg } from "../api.js";
import { href } from "../route.js";
import { when } from "../words.js";
import { Field as FormField } from "./field.js";
import { type PageAnswer, Pager, usePages } from "./pager.js";
import { Outcome, Section } from "./parts.js";

interface FoundRedemption {
  redeem_id: string;
  shop_order_id: string;
  shop_id: string;
  third_shop_id: string;
  codes: string[];
  redeem_time: number;
  state: string;
  cancel_time: number | null;
}

interface Found extends PageAnswer {
  redemptions: FoundRedemption[];
}

const FIELDS = [
  ["code", "Code", "12 digits"],
  ["shop_order_id", "Shop order", "id"],
  ["shop_id", "Shop id", "platform shop id"],
  ["from", "From (UTC)", "2026-12-01T00:00"],
  ["to", "To (UTC)", "2026-12-02T00:00"],
] as const;
type Field = (typeof FIELDS)[number][0];

/** A UTC date and time as Unix seconds; empty stays empty; anything else is sent as typed (refused). */
function seconds(value: string): string {
  if (!value) return "";
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(ms) ? value : String(Math.floor(ms / 1000));
}

export function RedemptionSearch({ api }: { api: OperatorApi }) {
  const [typed, setTyped] = useState<Record<Field, string>>({
    code: "",
    shop_order_id: "",
    shop_id: "",
    from: "",
    to: "",
  });
  const [query, setQuery] = useState<string | null>(null);
  // Nothing is asked before the first search.
  const pages = usePages<Found>(api, query === null ? null : `/platform/redemptions?${query}`, 20);

  function submit(e: Event) {
    e.preventDefault();
    const parts = FIELDS.map(([name]) => {
      const raw = typed[name].trim();
      const value = name === "from" || name === "to" ? seconds(raw) : raw;
      return value ? `${name}=${seg(value)}` : "";
    }).filter(Boolean);
    setQuery(parts.join("&"));
  }

  const found = pages.page;
  return (
    <Section title="Search redemptions">
      <form class="inline" onSubmit={submit} data-testid="redemption-search">
        {FIELDS.map(([name, label, hint]) => (
          <FormField
            key={name}
            id={`rs-${name}`}
            label={label}
            value={typed[name]}
            placeholder={hint}
            set={(value) => setTyped((t) => ({ ...t, [name]: value }))}
          />
        ))}
        <button class="btn primary" type="submit">
          Search
        </button>
      </form>
      <Outcome said={pages.failure} />
      {found && found.redemptions.length === 0 && <p class="muted">No redemption found.</p>}
      {found && found.redemptions.length > 0 && (
        <div class="table-wrap">
          <table data-testid="redemptions">
            <thead>
              <tr>
                <th>Redemption</th>
                <th>Codes</th>
                <th>Order</th>
                <th>Shop</th>
                <th>Redeemed</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              {found.redemptions.map((r) => (
                <tr key={r.redeem_id} data-redemption={r.redeem_id}>
                  <td>{r.redeem_id}</td>
                  <td>{r.codes.join(", ")}</td>
                  <td>
                    <a href={href("orders", r.shop_order_id)}>{r.shop_order_id}</a>
                  </td>
                  <td>
                    {r.third_shop_id} ({r.shop_id})
                  </td>
                  <td>{when(r.redeem_time)}</td>
                  <td data-testid="redemption-state">
                    {r.state === "CANCELLED" ? `CANCELLED ${when(r.cancel_time)}` : r.state}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pages={pages} name="redemptions" />
    </Section>
  );
}
