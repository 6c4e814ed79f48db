/**
 * Support: a log id pasted from a client's error → the endpoint, the caller, the answer's row
 * with its handling and description (from the catalogue), timing, the internal cause, and links
 * to the order and the redemption it touched; and the redemption search (redemption-search.tsx).
 */
import { useEffect, useState } from "preact/hooks";
import type { OperatorApi } from "../api.js";
import { seg } from "../api.js";
import { href } from "../route.js";
import { catalogueRow, handlingWords, when } from "../words.js";
import { Facts, Outcome, type Said, Section, said } from "./parts.js";
import { RedemptionSearch } from "./redemption-search.js";

export interface LoggedRequest {
  log_id: string;
  endpoint: string;
  app_id: string | null;
  merchant_id: string | null;
  outcome: { row: string; code: string; message: string; http_status: number };
  cause: string | null;
  duration_ms: number;
  created_at: number;
  redemption: {
    redeem_id: string;
    shop_order_id: string;
    third_shop_id: string;
    codes: string[];
    redeem_time: number;
    status: number;
  } | null;
}

export function SupportScreen({ api, logId }: { api: OperatorApi; logId: string | null }) {
  const [typed, setTyped] = useState(logId ?? "");
  const [found, setFound] = useState<LoggedRequest | null>(null);
  const [outcome, setOutcome] = useState<Said | null>(null);

  useEffect(() => {
    if (!logId) return;
    setTyped(logId);
    setFound(null);
    setOutcome(null);
    api.get<LoggedRequest>(`/platform/logs/${seg(logId)}`).then((answer) => {
      if (answer.ok) setFound(answer.data);
      else setOutcome(said(answer, () => ""));
    });
  }, [api, logId]);

  function submit(event: Event) {
    event.preventDefault();
    const id = typed.trim();
    if (id) location.hash = href("support", id);
  }

  return (
    <div data-screen="support">
      <Section title="Look up a log id">
        <form class="inline" onSubmit={submit}>
          <label for="log-id">Log id</label>
          <input
            id="log-id"
            value={typed}
            placeholder="from X-Tt-Logid or the error's log_id"
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
          />
          <button class="btn primary" type="submit" disabled={typed.trim() === ""}>
            Look up
          </button>
        </form>
        <Outcome said={outcome} />
      </Section>
      {found && <LoggedRequestView entry={found} />}
      <RedemptionSearch api={api} />
    </div>
  );
}

function LoggedRequestView({ entry }: { entry: LoggedRequest }) {
  const row = catalogueRow(entry.outcome.row);
  const r = entry.redemption;
  return (
    <Section title={`Request ${entry.log_id}`}>
      <div data-testid="logged-request">
        <Facts
          rows={[
            ["Endpoint", entry.endpoint],
            ["Time", when(entry.created_at)],
            ["Took", `${entry.duration_ms} ms`],
            ["App", entry.app_id],
            ["Merchant", entry.merchant_id],
          ]}
        />
        <h3>Answer</h3>
        <Facts
          rows={[
            ["Row", <span data-testid="row">{entry.outcome.row}</span>],
            ["Code", entry.outcome.code],
            ["Message", entry.outcome.message],
            ["HTTP status", String(entry.outcome.http_status)],
            ["Handling", row ? `${row.handling}: ${handlingWords(row.handling)}` : "—"],
            ["Description", <span data-testid="description">{row?.description ?? "—"}</span>],
            ["Internal cause", <code data-testid="cause">{entry.cause ?? "—"}</code>],
          ]}
        />
        {r && (
          <>
            <h3>Redemption it touched</h3>
            <Facts
              rows={[
                ["Redemption", r.redeem_id],
                ["Order", <a href={href("orders", r.shop_order_id)}>{r.shop_order_id}</a>],
                ["Shop", r.third_shop_id],
                ["Codes", r.codes.join(", ")],
                ["Redeemed", when(r.redeem_time)],
                ["Status", String(r.status)],
              ]}
            />
          </>
        )}
      </div>
    </Section>
  );
}
