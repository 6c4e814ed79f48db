/**
 * Webhooks: deliveries counted and listed by outcome, the dead letters with Replay (one) and
 * Replay all, and each app's webhook target with its last kept error. Optionally of one app
 * (its client key). Every list pages with the API's cursors; every action says its answer.
 */
import { useState } from "preact/hooks";
import type { Answer, OperatorApi } from "../api.js";
import { seg } from "../api.js";
import { href } from "../route.js";
import { when } from "../words.js";
import { type PageAnswer, Pager, usePages } from "./pager.js";
import { Outcome, type Said, Section, said } from "./parts.js";

/** Rows per page of every list here. */
const PAGE = 10;
const OUTCOMES = ["pending", "failed", "delivered", "dead"] as const;
type DeliveryOutcome = (typeof OUTCOMES)[number];
type Counts = Record<DeliveryOutcome, number>;

const OUTCOME_WORDS: Record<DeliveryOutcome, string> = {
  pending: "Pending",
  failed: "Failed, retrying",
  delivered: "Delivered",
  dead: "Dead",
};

interface Delivery {
  event_id: string;
  event: string;
  app_id: string;
  client_key: string;
  shop_order_id: string;
  outcome: DeliveryOutcome;
  attempts: number;
  replays: number;
  next_attempt_time: number | null;
  last_attempt_time: number | null;
  last_status: number | null;
  last_error: string | null;
  delivered_time: number | null;
  dead_time: number | null;
}

interface DeadLetter {
  event_id: string;
  event: string;
  client_key: string;
  shop_order_id: string;
  merchant_id: string;
  attempts: number;
  replays: number;
  last_status: number | null;
  last_error: string | null;
  dead_time: number | null;
}

interface AppReport {
  app_id: string;
  client_key: string;
  name: string;
  webhook_target: string | null;
  counts: Counts;
  last_error: { event_id: string; status: number | null; error: string; time: number | null } | null;
}

/** `?a=1&b=2` of the filters set (an empty one is every app, left out). */
function filters(params: Record<string, string>): string {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
  return q ? `?${q}` : "";
}

/** The receiver's answer and the kept error, without saying the status twice. */
function errorWords(status: number | null, error: string | null): string {
  if (!error) return "—";
  const answer = status === null ? "no answer" : `HTTP ${status}`;
  return error.startsWith(answer) ? error : `${answer}: ${error}`;
}

export function WebhooksScreen({ api }: { api: OperatorApi }) {
  const [typed, setTyped] = useState("");
  const [clientKey, setClientKey] = useState("");
  const [version, setVersion] = useState(0);
  const [outcome, setOutcome] = useState<Said | null>(null);
  const [busy, setBusy] = useState(false);
  const reload = () => setVersion((v) => v + 1);

  async function act<T>(run: () => Promise<Answer<T>>, done: (data: T) => string) {
    if (busy) return;
    setBusy(true);
    const answer = await run();
    setBusy(false);
    setOutcome(said(answer, done));
    reload();
  }

  const replayOne = (d: DeadLetter) =>
    act<{ event_id: string; replayed: string[] }>(
      () =>
        api.call(
          "POST",
          `/platform/webhooks/dead-letters/${seg(d.event_id)}/replay?client_key=${seg(d.client_key)}`,
        ),
      (r) => `Event ${r.event_id} queued again for ${r.replayed.join(", ")} with a fresh attempt budget.`,
    );
  const replayAll = () =>
    act<{ replayed: number }>(
      () =>
        api.call(
          "POST",
          `/platform/webhooks/dead-letters/replay${clientKey ? `?client_key=${seg(clientKey)}` : ""}`,
        ),
      (r) =>
        `${r.replayed} dead letter${r.replayed === 1 ? "" : "s"} queued again${clientKey ? ` for ${clientKey}` : ""} with a fresh attempt budget.`,
    );

  return (
    <div data-screen="webhooks">
      <Section title="Webhooks">
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            setClientKey(typed.trim());
            reload();
          }}
        >
          <label for="webhooks-client-key">App (client key)</label>
          <input
            id="webhooks-client-key"
            value={typed}
            placeholder="every app"
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
          />
          <button class="btn" type="submit">
            Show
          </button>
          <button class="btn" type="button" onClick={reload}>
            Refresh
          </button>
        </form>
        <Outcome said={outcome} />
      </Section>
      <Deliveries api={api} clientKey={clientKey} version={version} />
      <DeadLetters
        api={api}
        clientKey={clientKey}
        version={version}
        busy={busy}
        onReplay={replayOne}
        onReplayAll={replayAll}
      />
      <Apps api={api} version={version} />
    </div>
  );
}

function Deliveries({ api, clientKey, version }: { api: OperatorApi; clientKey: string; version: number }) {
  const [shown, setShown] = useState<DeliveryOutcome>("dead");
  const pages = usePages<PageAnswer & { counts: Counts; deliveries: Delivery[] }>(
    api,
    `/platform/webhooks/deliveries${filters({ outcome: shown, client_key: clientKey })}`,
    PAGE,
    version,
  );
  const data = pages.page;
  return (
    <Section title="Deliveries by outcome">
      <p class="row-actions" data-testid="outcome-counts">
        {OUTCOMES.map((o) => (
          <button
            key={o}
            type="button"
            class={`btn${o === shown ? " primary" : ""}`}
            data-outcome={o}
            aria-pressed={o === shown}
            onClick={() => setShown(o)}
          >
            {OUTCOME_WORDS[o]}: <span data-testid={`count-${o}`}>{data ? data.counts[o] : "…"}</span>
          </button>
        ))}
      </p>
      <Outcome said={pages.failure} />
      {data &&
        (data.deliveries.length === 0 ? (
          <p class="muted">No {OUTCOME_WORDS[shown].toLowerCase()} delivery.</p>
        ) : (
          <div class="table-wrap">
            <table data-testid="deliveries">
              <thead>
                <tr>
                  <th>Event</th>
                  <th>Type</th>
                  <th>App</th>
                  <th>Order</th>
                  <th>Attempts</th>
                  <th>Last error</th>
                  <th>When</th>
                </tr>
              </thead>
              <tbody>
                {data.deliveries.map((d) => (
                  <tr key={`${d.event_id}.${d.app_id}`} data-event={d.event_id}>
                    <td>{d.event_id}</td>
                    <td>{d.event}</td>
                    <td>{d.client_key}</td>
                    <td>
                      <a href={href("orders", d.shop_order_id)}>{d.shop_order_id}</a>
                    </td>
                    <td>
                      {d.attempts}
                      {d.replays ? ` (replayed ${d.replays}×)` : ""}
                    </td>
                    <td>{errorWords(d.last_status, d.last_error)}</td>
                    <td>
                      {d.outcome === "delivered"
                        ? `delivered ${when(d.delivered_time)}`
                        : d.outcome === "dead"
                          ? `gave up ${when(d.dead_time)}`
                          : `next try ${when(d.next_attempt_time)}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <Pager pages={pages} name="deliveries" />
    </Section>
  );
}

function DeadLetters({
  api,
  clientKey,
  version,
  busy,
  onReplay,
  onReplayAll,
}: {
  api: OperatorApi;
  clientKey: string;
  version: number;
  busy: boolean;
  onReplay: (d: DeadLetter) => void;
  onReplayAll: () => void;
}) {
  const pages = usePages<PageAnswer & { dead_letters: DeadLetter[] }>(
    api,
    `/platform/webhooks/dead-letters${filters({ client_key: clientKey })}`,
    PAGE,
    version,
  );
  const data = pages.page;
  return (
    <Section title="Dead letters">
      <p>
        <button class="btn danger" type="button" disabled={busy} onClick={onReplayAll}>
          Replay all{clientKey ? ` of ${clientKey}` : ""}
        </button>
      </p>
      <Outcome said={pages.failure} />
      {data &&
        (data.dead_letters.length === 0 ? (
          <p class="muted" data-testid="no-dead-letters">
            No dead letter.
          </p>
        ) : (
          <div class="table-wrap">
            <table data-testid="dead-letters">
              <thead>
                <tr>
                  <th>Event</th>
                  <th>Type</th>
                  <th>App</th>
                  <th>Order</th>
                  <th>Attempts</th>
                  <th>Last error</th>
                  <th>Gave up</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {data.dead_letters.map((d) => (
                  <tr
                    key={`${d.event_id}.${d.client_key}`}
                    data-event={d.event_id}
                    data-client-key={d.client_key}
                  >
                    <td>{d.event_id}</td>
                    <td>{d.event}</td>
                    <td>{d.client_key}</td>
                    <td>
                      <a href={href("orders", d.shop_order_id)}>{d.shop_order_id}</a>
                    </td>
                    <td>
                      {d.attempts}
                      {d.replays ? ` (replayed ${d.replays}×)` : ""}
                    </td>
                    <td>{errorWords(d.last_status, d.last_error)}</td>
                    <td>{when(d.dead_time)}</td>
                    <td>
                      <button class="btn" type="button" disabled={busy} onClick={() => onReplay(d)}>
                        Replay
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <Pager pages={pages} name="dead letters" />
    </Section>
  );
}

function Apps({ api, version }: { api: OperatorApi; version: number }) {
  const pages = usePages<PageAnswer & { apps: AppReport[] }>(api, "/platform/webhooks/apps", PAGE, version);
  const data = pages.page;
  return (
    <Section title="Last error per app">
      <Outcome said={pages.failure} />
      {data &&
        (data.apps.length === 0 ? (
          <p class="muted">No app has a webhook.</p>
        ) : (
          <div class="table-wrap">
            <table data-testid="webhook-apps">
              <thead>
                <tr>
                  <th>App</th>
                  <th>Target</th>
                  <th>Delivered</th>
                  <th>Retrying</th>
                  <th>Dead</th>
                  <th>Last error</th>
                </tr>
              </thead>
              <tbody>
                {data.apps.map((a) => (
                  <tr key={a.app_id} data-client-key={a.client_key}>
                    <td>
                      {a.client_key} <span class="muted">{a.name}</span>
                    </td>
                    <td>
                      <code>{a.webhook_target ?? "no webhook URL"}</code>
                    </td>
                    <td>{a.counts.delivered}</td>
                    <td>{a.counts.pending + a.counts.failed}</td>
                    <td>{a.counts.dead}</td>
                    <td data-testid="last-error">
                      {a.last_error
                        ? `${errorWords(a.last_error.status, a.last_error.error)} (event ${a.last_error.event_id}, ${when(a.last_error.time)})`
                        : "none kept"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <Pager pages={pages} name="webhook apps" />
    </Section>
  );
}
