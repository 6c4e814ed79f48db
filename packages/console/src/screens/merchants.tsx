/**
 * Merchants (`#merchants`): the list, by id, a page at a time, and creating (or replacing) a
 * merchant; a merchant's own page (`#merchants/<merchant_id>`) is screens/merchant.tsx.
 */
import { useState } from "preact/hooks";
import type { OperatorApi } from "../api.js";
import { href } from "../route.js";
import { Field } from "./field.js";
import { type Merchant, MerchantScreen } from "./merchant.js";
import { type PageAnswer, Pager, usePages } from "./pager.js";
import { Outcome, type Said, Section, said } from "./parts.js";

const PAGE_SIZES = [5, 20, 50, 100];

export function MerchantsScreen({ api, merchantId }: { api: OperatorApi; merchantId: string | null }) {
  if (merchantId) return <MerchantScreen key={merchantId} api={api} merchantId={merchantId} />;
  return <MerchantList api={api} />;
}

function MerchantList({ api }: { api: OperatorApi }) {
  const [limit, setLimit] = useState(20);
  const merchants = usePages<PageAnswer & { merchants: Merchant[] }>(api, "/platform/merchants", limit);
  const rows = merchants.page?.merchants ?? null;
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [country, setCountry] = useState("ID");
  const [timezone, setTimezone] = useState("Asia/Jakarta");
  const [outcome, setOutcome] = useState<Said | null>(null);
  const [busy, setBusy] = useState(false);

  async function create(event: Event) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    const body = {
      merchant_id: id.trim(),
      name: name.trim(),
      country: country.trim(),
      timezone: timezone.trim(),
    };
    const answer = await api.call<{ merchant_id: string }>("POST", "/platform/merchants", body);
    setBusy(false);
    setOutcome(
      said(
        answer,
        (m) => `Merchant ${m.merchant_id} (${body.name}, ${body.country}, ${body.timezone}) saved.`,
      ),
    );
    await merchants.reload();
  }

  return (
    <div data-screen="merchants">
      <Section title="Create a merchant">
        <form class="inline" onSubmit={create}>
          <Field id="merchant-id" label="Merchant id" value={id} set={setId} placeholder="digits" />
          <Field id="merchant-name" label="Name" value={name} set={setName} />
          <Field id="merchant-country" label="Country" value={country} set={setCountry} />
          <Field id="merchant-timezone" label="Time zone" value={timezone} set={setTimezone} />
          <button class="btn primary" type="submit" disabled={busy || !id.trim() || !name.trim()}>
            Save merchant
          </button>
        </form>
        <p class="muted">An existing merchant id is replaced (renamed); its shops and grants stay.</p>
        <Outcome said={outcome} />
      </Section>
      <Section title="Merchants">
        <div class="row-actions pager">
          <label for="merchant-page-size">Per page</label>
          <select
            id="merchant-page-size"
            value={String(limit)}
            onChange={(e) => setLimit(Number((e.target as HTMLSelectElement).value))}
          >
            {PAGE_SIZES.map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <Outcome said={merchants.failure} />
        {rows &&
          (rows.length === 0 ? (
            <p class="muted">No merchants yet.</p>
          ) : (
            <div class="table-wrap">
              <table data-testid="merchants">
                <thead>
                  <tr>
                    <th>Merchant</th>
                    <th>Name</th>
                    <th>Country</th>
                    <th>Time zone</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((m) => (
                    <tr key={m.merchant_id} data-merchant={m.merchant_id}>
                      <td>
                        <a href={href("merchants", m.merchant_id)}>{m.merchant_id}</a>
                      </td>
                      <td>{m.name}</td>
                      <td>{m.country}</td>
                      <td>{m.timezone}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        <Pager pages={merchants} name="merchants" />
      </Section>
    </div>
  );
}
