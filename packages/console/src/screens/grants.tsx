/**
 * A merchant's grants to SaaS apps: the table (scopes, shops, state), a grant created or edited
 * (fewer scopes or shops narrows it, at once, for tokens already issued too), and
 * revocation after a confirmation. Each answer in words, with what a narrowing took away.
 */
import { useEffect, useState } from "preact/hooks";
import type { OperatorApi } from "../api.js";
import { seg } from "../api.js";
import { when } from "../words.js";
import { Field } from "./field.js";
import type { App, Shop } from "./merchant.js";
import { type PageAnswer, Pager, usePages } from "./pager.js";
import { Outcome, type Said, Section, said } from "./parts.js";

interface Grant {
  app_id: string;
  client_key: string;
  app_name: string;
  scopes: string[];
  third_shop_ids: string[];
  status: "ACTIVE" | "REVOKED";
  revoke_time: number | null;
  version: number;
}

const SCOPES: [string, string][] = [
  ["localservice.fulfill.query", "query: look up codes, read records"],
  ["localservice.fulfill.redeem", "redeem: redeem and cancel"],
];

const shopsWords = (ids: readonly string[]) => (ids.length === 0 ? "every shop" : `shops ${ids.join(", ")}`);
const scopesWords = (scopes: readonly string[]) =>
  scopes.length === 0 ? "no scope" : scopes.map((s) => s.replace("localservice.fulfill.", "")).join(", ");

/** What a grant's change took away (narrowing) or added, in words. */
function changeWords(before: Grant | undefined, scopes: string[], shops: string[]): string {
  if (!before || before.status === "REVOKED") return "";
  const lostScopes = before.scopes.filter((s) => !scopes.includes(s));
  // No shop listed is every shop: going from every shop to a list narrows to it.
  const lostShops =
    shops.length === 0
      ? []
      : before.third_shop_ids.length === 0
        ? ["every other shop"]
        : before.third_shop_ids.filter((s) => !shops.includes(s));
  const lost = [
    ...(lostScopes.length ? [`scope ${scopesWords(lostScopes)}`] : []),
    ...lostShops.map((s) => (s.startsWith("every") ? s : `shop ${s}`)),
  ];
  return lost.length
    ? ` Narrowed: no longer ${lost.join(", ")}, at once (its tokens already issued too).`
    : "";
}

/** All the merchant's shops, page after page (null: a page failed, keep what is shown). */
async function everyShop(api: OperatorApi, merchantId: string): Promise<Shop[] | null> {
  const shops: Shop[] = [];
  let cursor: string | null = null;
  do {
    const after: string = cursor ? `&cursor=${seg(cursor)}` : "";
    const a = await api.get<PageAnswer & { shops: Shop[] }>(
      `/platform/merchants/${seg(merchantId)}/shops?limit=100${after}`,
    );
    if (!a.ok) return null;
    shops.push(...a.data.shops);
    cursor = a.data.has_more ? a.data.cursor : null;
  } while (cursor);
  return shops;
}

export function GrantsSection({
  api,
  merchantId,
  shopCount,
  onChange,
}: {
  api: OperatorApi;
  merchantId: string;
  shopCount: number;
  onChange: () => void;
}) {
  const grants = usePages<PageAnswer & { grants: Grant[] }>(
    api,
    `/platform/merchants/${seg(merchantId)}/grants`,
    20,
  );
  const rows = grants.page?.grants ?? null;
  const [shops, setShops] = useState<Shop[]>([]);
  const [apps, setApps] = useState<App[]>([]);
  const [key, setKey] = useState("");
  const [scopes, setScopes] = useState<string[]>([SCOPES[0]?.[0] ?? ""]);
  const [shopIds, setShopIds] = useState<string[]>([]);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Said | null>(null);
  const [busy, setBusy] = useState(false);

  // The choices of the form: every shop of the merchant (a grant may name any of them, and a
  // shop missing here must not fall out of a grant saved from the form), and the first 100 apps
  // as suggestions for the typed client key.
  useEffect(() => {
    let live = true;
    everyShop(api, merchantId).then((list) => {
      if (live && list) setShops(list);
    });
    return () => {
      live = false;
    };
  }, [api, merchantId, shopCount]);
  useEffect(() => {
    api.get<{ apps: App[] }>("/platform/apps?limit=100").then((a) => {
      if (a.ok) setApps(a.data.apps);
    });
  }, [api]);

  const toggle = (list: string[], value: string, on: boolean) =>
    on ? [...list.filter((v) => v !== value), value] : list.filter((v) => v !== value);

  async function save(event: Event) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    const clientKey = key.trim();
    const before = rows?.find((g) => g.client_key === clientKey);
    // In the order the form lists them.
    const body = {
      scopes: SCOPES.map(([s]) => s).filter((s) => scopes.includes(s)),
      third_shop_ids: [
        ...shops.map((s) => s.third_shop_id).filter((s) => shopIds.includes(s)),
        // Named by the grant but not (yet) listed: kept, or saving would widen or narrow it.
        ...shopIds.filter((id) => !shops.some((s) => s.third_shop_id === id)),
      ],
    };
    const answer = await api.call<{ client_key: string; scopes: string[]; third_shop_ids: string[] }>(
      "PUT",
      `/platform/merchants/${seg(merchantId)}/grants/${seg(clientKey)}`,
      body,
    );
    setBusy(false);
    setOutcome(
      said(
        answer,
        (g) =>
          `Grant of ${g.client_key} saved: ${scopesWords(g.scopes)} at ${shopsWords(g.third_shop_ids)}.${changeWords(before, g.scopes, g.third_shop_ids)}`,
      ),
    );
    await grants.reload();
    if (answer.ok) onChange();
  }

  async function revoke(grant: Grant) {
    if (busy) return;
    setBusy(true);
    const answer = await api.call(
      "DELETE",
      `/platform/merchants/${seg(merchantId)}/grants/${seg(grant.client_key)}`,
    );
    setBusy(false);
    setConfirming(null);
    setOutcome(said(answer, () => `Grant of ${grant.client_key} revoked: its tokens stop working now.`));
    await grants.reload();
    if (answer.ok) onChange();
  }

  function edit(grant: Grant) {
    setKey(grant.client_key);
    setScopes(grant.scopes);
    setShopIds(grant.third_shop_ids);
    setConfirming(null);
    document.getElementById("grant-key")?.focus();
  }

  return (
    <Section title="Grants">
      <form class="stack" onSubmit={save} data-testid="grant-form">
        <Field
          id="grant-key"
          label="App (client_key)"
          value={key}
          set={setKey}
          placeholder="ck_…"
          list="grant-apps"
        />
        <datalist id="grant-apps">
          {apps.map((a) => (
            <option key={a.app_id} value={a.client_key}>
              {a.name}
            </option>
          ))}
        </datalist>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map(([scope, words]) => (
            <label key={scope} class="check">
              <input
                type="checkbox"
                name="scope"
                value={scope}
                checked={scopes.includes(scope)}
                onChange={(e) => setScopes(toggle(scopes, scope, (e.target as HTMLInputElement).checked))}
              />{" "}
              {words}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Shops (none ticked: every shop of the merchant)</legend>
          {shops.map((s) => (
            <label key={s.shop_id} class="check">
              <input
                type="checkbox"
                name="shop"
                value={s.third_shop_id}
                checked={shopIds.includes(s.third_shop_id)}
                onChange={(e) =>
                  setShopIds(toggle(shopIds, s.third_shop_id, (e.target as HTMLInputElement).checked))
                }
              />{" "}
              {s.third_shop_id} ({s.name})
            </label>
          ))}
        </fieldset>
        <div class="row-actions">
          <button class="btn primary" type="submit" disabled={busy || !key.trim()}>
            Save grant
          </button>
        </div>
      </form>
      <Outcome said={outcome ?? grants.failure} />
      {rows &&
        (rows.length === 0 ? (
          <p class="muted">No grants yet.</p>
        ) : (
          <div class="table-wrap">
            <table data-testid="grants">
              <thead>
                <tr>
                  <th>App</th>
                  <th>Scopes</th>
                  <th>Shops</th>
                  <th>State</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((g) => (
                  <tr key={g.app_id} data-grant={g.client_key}>
                    <td>
                      {g.client_key} <span class="muted">({g.app_name})</span>
                    </td>
                    <td data-testid="grant-scopes">{scopesWords(g.scopes)}</td>
                    <td data-testid="grant-shops">{shopsWords(g.third_shop_ids)}</td>
                    <td data-testid="grant-status">
                      {g.status === "ACTIVE" ? "ACTIVE" : `REVOKED ${when(g.revoke_time)}`}
                    </td>
                    <td>
                      <div class="row-actions">
                        <button class="btn" type="button" onClick={() => edit(g)}>
                          {g.status === "ACTIVE" ? "Edit" : "Grant again"}
                        </button>
                        {g.status === "ACTIVE" &&
                          (confirming === g.client_key ? (
                            <>
                              <span>Revoke {g.client_key}? Its tokens stop working at once.</span>
                              <button
                                class="btn danger"
                                type="button"
                                disabled={busy}
                                onClick={() => revoke(g)}
                              >
                                Confirm revoke
                              </button>
                              <button class="btn" type="button" onClick={() => setConfirming(null)}>
                                Cancel
                              </button>
                            </>
                          ) : (
                            <button
                              class="btn danger"
                              type="button"
                              onClick={() => setConfirming(g.client_key)}
                            >
                              Revoke
                            </button>
                          ))}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <Pager pages={grants} name="grants" />
    </Section>
  );
}
