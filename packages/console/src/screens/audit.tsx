/**
 * Audit: every operator write (time, client address, method, route, the ids it touched, the
 * answer's row, the log id linked to Support), newest first, paged. One shared operator token and
 * no roles: an entry says from where and what, not who.
 */
import { useState } from "preact/hooks";
import type { OperatorApi } from "../api.js";
import { seg } from "../api.js";
import { href } from "../route.js";
import { when } from "../words.js";
import { type PageAnswer, Pager, usePages } from "./pager.js";
import { Outcome, Section } from "./parts.js";

export interface AuditEntry {
  audit_id: string;
  at: number;
  log_id: string;
  client_address: string;
  method: string;
  route: string;
  target: Record<string, string>;
  outcome: { row: string; code: string; message: string; http_status: number };
}

interface AuditPage extends PageAnswer {
  audit: AuditEntry[];
}

export const AUDIT_PAGE_SIZE = 20;

export function AuditScreen({ api }: { api: OperatorApi }) {
  const [typed, setTyped] = useState("");
  const [route, setRoute] = useState("");
  const pages = usePages<AuditPage>(
    api,
    `/platform/audit${route ? `?route=${seg(route)}` : ""}`,
    AUDIT_PAGE_SIZE,
  );
  const entries = pages.page?.audit ?? [];

  return (
    <div data-screen="audit">
      <Section title="Operator audit">
        <p class="muted">
          Every operator write, newest first. One shared operator token, no roles: an entry says from which
          address and what, not which person.
        </p>
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            setRoute(typed.trim());
          }}
        >
          <label for="audit-route">Route</label>
          <input
            id="audit-route"
            value={typed}
            placeholder="/platform/after-sales/:after_sale_order_id/approve"
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
          />
          <button class="btn" type="submit">
            Filter
          </button>
          <button class="btn" type="button" onClick={pages.reload}>
            Refresh
          </button>
        </form>
        <Outcome said={pages.failure} />
        {pages.page && entries.length === 0 && <p class="muted">No operator write yet.</p>}
        {entries.length > 0 && (
          <div class="table-wrap">
            <table data-testid="audit">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Client</th>
                  <th>Request and target</th>
                  <th>Answer</th>
                  <th>Log id</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.audit_id} data-audit={e.audit_id}>
                    <td class="nowrap">{when(e.at)}</td>
                    <td>{e.client_address}</td>
                    <td>
                      <code>
                        {e.method} {e.route}
                      </code>
                      {Object.keys(e.target).length > 0 && (
                        <div class="muted" data-testid="audit-target">
                          {Object.entries(e.target)
                            .map(([k, v]) => `${k}=${v}`)
                            .join(", ")}
                        </div>
                      )}
                    </td>
                    <td data-testid="audit-row">
                      {e.outcome.row} {e.outcome.code === e.outcome.row ? "" : `${e.outcome.code} `}
                      {e.outcome.message} (HTTP {e.outcome.http_status})
                    </td>
                    <td>
                      <a href={href("support", e.log_id)}>
                        <code>{e.log_id}</code>
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager pages={pages} name="audit" />
      </Section>
    </div>
  );
}
