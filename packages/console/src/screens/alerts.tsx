/**
 * Alerts: the operator alerts of every server process, newest first: today suspected code
 * enumeration (a caller's misses past the budget in one window). Each links to the merchant's
 * grants, where the caller's grant can be narrowed or revoked. Paged with the API's cursors.
 */
import type { OperatorApi } from "../api.js";
import { href } from "../route.js";
import { when } from "../words.js";
import { type PageAnswer, Pager, usePages } from "./pager.js";
import { Outcome, Section } from "./parts.js";

const PAGE = 20;

interface Alert {
  alert_id: string;
  type: string;
  at: number;
  budget: "app" | "device";
  app_id: string;
  merchant_id: string;
  device_id: string | null;
  misses: number;
  window_seconds: number;
}

const TYPE_WORDS: Record<string, string> = { code_enumeration: "Code enumeration" };

export function AlertsScreen({ api }: { api: OperatorApi }) {
  const pages = usePages<PageAnswer & { alerts: Alert[] }>(api, "/platform/alerts", PAGE);
  const data = pages.page;
  return (
    <div data-screen="alerts">
      <Section title="Alerts">
        <Outcome said={pages.failure} />
        {data &&
          (data.alerts.length === 0 ? (
            <p class="muted" data-testid="no-alerts">
              No alert.
            </p>
          ) : (
            <div class="table-wrap">
              <table data-testid="alerts">
                <thead>
                  <tr>
                    <th>Time</th>
                    <th>Alert</th>
                    <th>App</th>
                    <th>Merchant</th>
                    <th>Device</th>
                    <th>Misses</th>
                    <th>Window</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {data.alerts.map((a) => (
                    <tr key={a.alert_id} data-alert={a.alert_id} data-app={a.app_id}>
                      <td>{when(a.at)}</td>
                      <td>
                        {TYPE_WORDS[a.type] ?? a.type}
                        <span class="muted">
                          {a.budget === "device"
                            ? " (the device's own budget)"
                            : " (the app's budget at the merchant)"}
                        </span>
                      </td>
                      <td>{a.app_id}</td>
                      <td>{a.merchant_id}</td>
                      <td>{a.device_id ?? "—"}</td>
                      <td>{a.misses}</td>
                      <td>{a.window_seconds} s</td>
                      <td>
                        <a href={href("merchants", a.merchant_id)} data-testid="grant-link">
                          The caller's grant
                        </a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        <Pager pages={pages} name="alerts" />
      </Section>
    </div>
  );
}
