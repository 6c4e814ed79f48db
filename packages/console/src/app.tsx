/**
 * The operator's console: sign in with the operator token, then one screen per task, chosen by
 * the URL's fragment. Every screen talks to the platform API only.
 */
import { useEffect, useState } from "preact/hooks";
import { OperatorApi } from "./api.js";
import { href, parseRoute, type Route } from "./route.js";
import { AfterSalesScreen } from "./screens/after-sales.js";
import { AlertsScreen } from "./screens/alerts.js";
import { AuditScreen } from "./screens/audit.js";
import { DevicesScreen } from "./screens/devices.js";
import { MerchantsScreen } from "./screens/merchants.js";
import { OrderScreen } from "./screens/order.js";
import { SandboxScreen } from "./screens/sandbox.js";
import { SignInScreen } from "./screens/sign-in.js";
import { SupportScreen } from "./screens/support.js";
import { WebhooksScreen } from "./screens/webhooks.js";
import { loadToken, saveToken } from "./storage.js";

const SCREENS: [string, string][] = [
  ["support", "Support"],
  ["orders", "Orders"],
  ["merchants", "Merchants"],
  ["after-sales", "After-sales"],
  ["devices", "Devices"],
  ["webhooks", "Webhooks"],
  ["alerts", "Alerts"],
  ["audit", "Audit"],
];

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  return route;
}

export function App() {
  const [api, setApi] = useState<OperatorApi | null>(() => {
    const token = loadToken();
    return token ? new OperatorApi(token) : null;
  });
  const route = useRoute();
  const [sandbox, setSandbox] = useState(false);
  // The sandbox's routes exist only when the server runs with it: its screen shows only then.
  useEffect(() => {
    setSandbox(false);
    api?.get("/sandbox/faults").then((answer) => setSandbox(answer.ok));
  }, [api]);

  if (!api)
    return (
      <SignInScreen
        onSignedIn={(signedIn) => {
          saveToken(signedIn.token);
          setApi(signedIn);
        }}
      />
    );

  return (
    <div class="shell">
      <header class="top">
        <strong>Fulfill console</strong>
        <nav>
          {[...SCREENS, ...(sandbox ? ([["sandbox", "Sandbox"]] as [string, string][]) : [])].map(
            ([screen, label]) => (
              <a key={screen} href={href(screen)} class={route.screen === screen ? "current" : ""}>
                {label}
              </a>
            ),
          )}
        </nav>
        <button
          class="btn"
          type="button"
          onClick={() => {
            saveToken(null);
            setApi(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        <Screen api={api} route={route} sandbox={sandbox} />
      </main>
    </div>
  );
}

function Screen({ api, route, sandbox }: { api: OperatorApi; route: Route; sandbox: boolean }) {
  switch (route.screen) {
    case "sandbox":
      if (sandbox) return <SandboxScreen api={api} />;
      return <p class="muted">This server runs without the sandbox.</p>;
    case "orders":
      return <OrderScreen api={api} shopOrderId={route.arg} />;
    case "after-sales":
      return <AfterSalesScreen api={api} />;
    case "merchants":
      return <MerchantsScreen api={api} merchantId={route.arg} />;
    case "audit":
      return <AuditScreen api={api} />;
    case "devices":
      return <DevicesScreen api={api} merchantId={route.arg} />;
    case "webhooks":
      return <WebhooksScreen api={api} />;
    case "alerts":
      return <AlertsScreen api={api} />;
    default:
      return <SupportScreen api={api} logId={route.arg} />;
  }
}
