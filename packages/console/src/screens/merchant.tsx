/**
 * One merchant (`#merchants/<merchant_id>`): its facts and renaming, its shops (create or
 * rename), the SaaS apps (create one: its secret shown once), its grants (screens/grants.tsx),
 * and the way to its POS devices.
 */
import { useCallback, useEffect, useState } from "preact/hooks";
import type { OperatorApi } from "../api.js";
import { seg } from "../api.js";
import { href } from "../route.js";
import { when } from "../words.js";
import { Field } from "./field.js";
import { GrantsSection } from "./grants.js";
import { type PageAnswer, Pager, usePages } from "./pager.js";
import { Facts, Outcome, type Said, Section, said } from "./parts.js";

export interface Merchant {
  merchant_id: string;
  name: string;
  country: string;
  timezone: string;
}

interface MerchantDetail extends Merchant {
  shop_count: number;
  grant_count: number;
}

export interface Shop {
  shop_id: string;
  merchant_id: string;
  third_shop_id: string;
  name: string;
}

export interface App {
  app_id: string;
  client_key: string;
  name: string;
  webhook_url: string | null;
  create_time: number;
}

export function MerchantScreen({ api, merchantId }: { api: OperatorApi; merchantId: string }) {
  const [merchant, setMerchant] = useState<MerchantDetail | null>(null);
  const [failure, setFailure] = useState<Said | null>(null);
  const reload = useCallback(async () => {
    const answer = await api.get<MerchantDetail>(`/platform/merchants/${seg(merchantId)}`);
    if (answer.ok) {
      setMerchant(answer.data);
      setFailure(null);
    } else setFailure(said(answer, () => ""));
  }, [api, merchantId]);
  useEffect(() => {
    setMerchant(null);
    reload();
  }, [reload]);

  return (
    <div data-screen="merchant">
      <p>
        <a href={href("merchants")}>All merchants</a>
      </p>
      <Outcome said={failure} />
      {merchant && (
        <>
          <Section title={`Merchant ${merchant.merchant_id}: ${merchant.name}`}>
            <Facts
              rows={[
                ["Merchant id", merchant.merchant_id],
                ["Name", merchant.name],
                ["Country", merchant.country],
                ["Time zone", merchant.timezone],
                ["Shops", String(merchant.shop_count)],
                ["Active grants", String(merchant.grant_count)],
                [
                  "POS devices",
                  <a
                    key="devices"
                    href={href("devices", merchant.merchant_id)}
                    data-testid="merchant-devices"
                  >
                    Pair and revoke this merchant's devices
                  </a>,
                ],
              ]}
            />
            <Rename api={api} merchant={merchant} onSaved={reload} />
          </Section>
          <ShopsSection api={api} merchantId={merchant.merchant_id} onChange={reload} />
          <GrantsSection
            api={api}
            merchantId={merchant.merchant_id}
            shopCount={merchant.shop_count}
            onChange={reload}
          />
          <AppsSection api={api} />
        </>
      )}
    </div>
  );
}

function Rename({ api, merchant, onSaved }: { api: OperatorApi; merchant: Merchant; onSaved: () => void }) {
  const [name, setName] = useState(merchant.name);
  const [country, setCountry] = useState(merchant.country);
  const [timezone, setTimezone] = useState(merchant.timezone);
  const [outcome, setOutcome] = useState<Said | null>(null);
  async function save(event: Event) {
    event.preventDefault();
    const body = {
      merchant_id: merchant.merchant_id,
      name: name.trim(),
      country: country.trim(),
      timezone: timezone.trim(),
    };
    const answer = await api.call("POST", "/platform/merchants", body);
    setOutcome(
      said(
        answer,
        () => `Merchant ${body.merchant_id} is now ${body.name} (${body.country}, ${body.timezone}).`,
      ),
    );
    if (answer.ok) onSaved();
  }
  return (
    <>
      <h3>Edit</h3>
      <form class="inline" onSubmit={save}>
        <Field id="rename-name" label="Name" value={name} set={setName} />
        <Field id="rename-country" label="Country" value={country} set={setCountry} />
        <Field id="rename-timezone" label="Time zone" value={timezone} set={setTimezone} />
        <button class="btn" type="submit" disabled={!name.trim()}>
          Save changes
        </button>
      </form>
      <Outcome said={outcome} />
    </>
  );
}

function ShopsSection({
  api,
  merchantId,
  onChange,
}: {
  api: OperatorApi;
  merchantId: string;
  onChange: () => void;
}) {
  const shops = usePages<PageAnswer & { shops: Shop[] }>(
    api,
    `/platform/merchants/${seg(merchantId)}/shops`,
    20,
  );
  const rows = shops.page?.shops ?? null;
  const [shopId, setShopId] = useState("");
  const [third, setThird] = useState("");
  const [name, setName] = useState("");
  const [outcome, setOutcome] = useState<Said | null>(null);
  async function save(event: Event) {
    event.preventDefault();
    const body = { shop_id: shopId.trim(), third_shop_id: third.trim(), name: name.trim() };
    const answer = await api.call<Shop>("POST", `/platform/merchants/${seg(merchantId)}/shops`, body);
    setOutcome(said(answer, (s) => `Shop ${s.shop_id} saved: ${s.third_shop_id}, ${s.name}.`));
    await shops.reload();
    if (answer.ok) onChange();
  }
  return (
    <Section title="Shops">
      <form class="inline" onSubmit={save}>
        <Field id="shop-id" label="Shop id" value={shopId} set={setShopId} placeholder="digits" />
        <Field id="shop-third" label="third_shop_id" value={third} set={setThird} />
        <Field id="shop-name" label="Name" value={name} set={setName} />
        <button class="btn primary" type="submit" disabled={!shopId.trim() || !third.trim() || !name.trim()}>
          Save shop
        </button>
      </form>
      <p class="muted">An existing shop id is replaced: Edit fills the form with a shop to rename it.</p>
      <Outcome said={outcome ?? shops.failure} />
      {rows &&
        (rows.length === 0 ? (
          <p class="muted">No shops yet.</p>
        ) : (
          <div class="table-wrap">
            <table data-testid="shops">
              <thead>
                <tr>
                  <th>Shop id</th>
                  <th>third_shop_id</th>
                  <th>Name</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((s) => (
                  <tr key={s.shop_id} data-shop={s.third_shop_id}>
                    <td>{s.shop_id}</td>
                    <td>{s.third_shop_id}</td>
                    <td>{s.name}</td>
                    <td>
                      <button
                        class="btn"
                        type="button"
                        onClick={() => {
                          setShopId(s.shop_id);
                          setThird(s.third_shop_id);
                          setName(s.name);
                        }}
                      >
                        Edit
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <Pager pages={shops} name="shops" />
    </Section>
  );
}

interface CreatedApp {
  client_key: string;
  client_secret: string;
  name: string;
}

function AppsSection({ api }: { api: OperatorApi }) {
  const apps = usePages<PageAnswer & { apps: App[] }>(api, "/platform/apps", 20);
  const rows = apps.page?.apps ?? null;
  const [key, setKey] = useState("");
  const [name, setName] = useState("");
  const [webhook, setWebhook] = useState("");
  const [outcome, setOutcome] = useState<Said | null>(null);
  const [secret, setSecret] = useState<CreatedApp | null>(null);
  async function create(event: Event) {
    event.preventDefault();
    setSecret(null);
    const answer = await api.call<CreatedApp>("POST", "/platform/apps", {
      client_key: key.trim(),
      name: name.trim(),
      ...(webhook.trim() ? { webhook_url: webhook.trim() } : {}),
    });
    setOutcome(said(answer, (a) => `App ${a.client_key} (${a.name}) saved with a new secret.`));
    if (answer.ok) setSecret(answer.data);
    await apps.reload();
  }
  return (
    <Section title="SaaS apps (all merchants)">
      <form class="inline" onSubmit={create}>
        <Field id="app-key" label="client_key" value={key} set={setKey} />
        <Field id="app-name" label="Name" value={name} set={setName} />
        <Field id="app-webhook" label="Webhook URL" value={webhook} set={setWebhook} placeholder="optional" />
        <button class="btn primary" type="submit" disabled={!key.trim() || !name.trim()}>
          Create app
        </button>
      </form>
      <p class="muted">
        An existing client_key is replaced: it gets a new secret and the old one stops working.
      </p>
      <Outcome said={outcome ?? apps.failure} />
      {secret && (
        <div class="once" data-testid="app-secret">
          <p>
            The client secret of <strong>{secret.client_key}</strong>, shown this once (it cannot be read
            again; copy it now):
          </p>
          <p class="secret" data-testid="client-secret">
            {secret.client_secret}
          </p>
          <button class="btn" type="button" onClick={() => setSecret(null)}>
            I have copied it
          </button>
        </div>
      )}
      {rows && (
        <div class="table-wrap">
          <table data-testid="apps">
            <thead>
              <tr>
                <th>client_key</th>
                <th>Name</th>
                <th>Webhook URL</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.app_id} data-app={a.client_key}>
                  <td>{a.client_key}</td>
                  <td>{a.name}</td>
                  <td>{a.webhook_url ?? "—"}</td>
                  <td>{when(a.create_time)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pages={apps} name="apps" />
    </Section>
  );
}
