/**
 * The POS: pairing, then scan or type → preview → redeem → result, and today's history with
 * cancel. One screen at a time; every action that writes is guarded against a double submit.
 */
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Api, type CodeItem, type Failure, type SessionData } from "./api.js";
import {
  isRedeemable,
  type LookupInput,
  lookup,
  pacingOf,
  type RedeemOutcome,
  redeem,
  type Shop,
} from "./flow.js";
import { initialLang, type Key, type Lang, LOCALES, type Translate, translator } from "./i18n.js";
import { failureKey, failureLogId } from "./messages.js";
import { HistoryScreen } from "./screens/history.js";
import { HomeScreen } from "./screens/home.js";
import { PairScreen } from "./screens/pair.js";
import { PreviewScreen } from "./screens/preview.js";
import { ResultScreen } from "./screens/result.js";
import {
  loadDevice,
  loadLang,
  loadMode,
  loadTestPacing,
  type StoredDevice,
  saveDevice,
  saveLang,
  saveMode,
} from "./storage.js";

export interface Notice {
  readonly tone: "error" | "info" | "ok";
  readonly key: Key;
  readonly params?: Record<string, string | number>;
  readonly logId?: string | null;
  /** Codes to show with the notice (a spent QR lists the order's used codes). */
  readonly items?: CodeItem[];
}

export interface Order {
  readonly shopOrderId: string;
  readonly items: CodeItem[];
}

type View =
  | { name: "home"; notice?: Notice }
  | { name: "preview"; order: Order; notice?: Notice }
  | { name: "result"; order: Order; outcome: RedeemOutcome }
  | { name: "history"; notice?: Notice };

/** Everything a screen needs to show times and words. */
export interface Ui {
  readonly t: Translate;
  readonly locale: string;
  readonly timeZone: string;
  readonly shop: Shop;
  readonly dayStart: number;
  readonly online: boolean;
  readonly shopName: string;
}

export function noticeOf(f: Failure): Notice {
  const items =
    f.kind === "row" && Array.isArray(f.data.code_list) ? (f.data.code_list as CodeItem[]) : undefined;
  return { tone: "error", key: failureKey(f), logId: failureLogId(f), ...(items ? { items } : {}) };
}

interface Clock {
  /** business now − device now, seconds */
  offset: number;
  dayStart: number;
  timeZone: string;
}

const deviceNow = () => Date.now() / 1000;

export function App() {
  const [lang, setLang] = useState<Lang>(() => initialLang(loadLang(), globalThis.navigator?.language));
  const [device, setDevice] = useState<StoredDevice | null>(() => loadDevice());
  const [pairNotice, setPairNotice] = useState<Notice | undefined>(undefined);
  const [mode, setMode] = useState<"scan" | "type">(
    () => loadMode() ?? (globalThis.navigator?.mediaDevices ? "scan" : "type"),
  );
  const [view, setView] = useState<View>({ name: "home" });
  const [clock, setClock] = useState<Clock>({
    offset: 0,
    dayStart: Math.floor(deviceNow() / 86400) * 86400,
    timeZone: "UTC",
  });
  const [browserOnline, setBrowserOnline] = useState<boolean>(() => globalThis.navigator?.onLine ?? true);
  const [serverReachable, setServerReachable] = useState(true);
  const [busy, setBusy] = useState<"lookup" | "redeem" | "recheck" | null>(null);
  const busyRef = useRef(false);

  const api = useMemo(() => new Api(device?.token ?? null), [device?.token]);
  api.onNetwork = setServerReachable;

  const t = useMemo(() => translator(lang), [lang]);
  const locale = LOCALES[lang];
  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = t("app.title");
  }, [locale, t]);

  const clockRef = useRef(clock);
  clockRef.current = clock;
  const shop: Shop = useMemo(
    () => ({
      merchantId: device?.merchantId ?? "",
      thirdShopId: device?.thirdShopId ?? "",
      locale,
      now: () => Math.floor(deviceNow() + clockRef.current.offset),
    }),
    [device?.merchantId, device?.thirdShopId, locale],
  );

  const unpaired = useCallback((notice?: Notice) => {
    saveDevice(null);
    setDevice(null);
    setPairNotice(notice);
    setView({ name: "home" });
  }, []);

  const applySession = useCallback((s: SessionData) => {
    setClock({ offset: s.now - deviceNow(), dayStart: s.day_start, timeZone: s.timezone });
  }, []);

  /** The session: business time, the merchant's time zone and day; also proves the token still works. */
  const refreshSession = useCallback(async () => {
    if (!device) return;
    const r = await api.session();
    if (r.ok) applySession(r.data);
    else if (r.failure.kind === "unauthorized") unpaired({ tone: "error", key: "pair.revoked" });
  }, [api, device, applySession, unpaired]);

  useEffect(() => {
    void refreshSession();
  }, [refreshSession]);

  // The offline state: the browser's own flag, and whether the server answered the last call.
  useEffect(() => {
    const on = () => {
      setBrowserOnline(true);
      void refreshSession();
    };
    const off = () => setBrowserOnline(false);
    window.addEventListener("online", on);
    window.addEventListener("offline", off);
    return () => {
      window.removeEventListener("online", on);
      window.removeEventListener("offline", off);
    };
  }, [refreshSession]);
  // While the server is unreachable, look for it every few seconds.
  useEffect(() => {
    if (serverReachable || !device) return;
    const timer = setInterval(() => void refreshSession(), 5000);
    return () => clearInterval(timer);
  }, [serverReachable, device, refreshSession]);

  const online = browserOnline && serverReachable;
  const ui: Ui = {
    t,
    locale,
    timeZone: clock.timeZone,
    shop,
    dayStart: clock.dayStart,
    online,
    shopName: device?.shopName ?? "",
  };

  const switchLang = () => {
    const next: Lang = lang === "en" ? "id" : "en";
    saveLang(next);
    setLang(next);
    // A preview on screen is read again in the new language (product names, usable-time words).
    if (view.name === "preview" && !busyRef.current) {
      const shown = view.order;
      void lookup(
        api,
        { ...shop, locale: LOCALES[next] },
        { kind: "codes", codes: shown.items.map((i) => i.code) },
      ).then((r) => {
        if (!r.ok || busyRef.current) return;
        setView((v) =>
          v.name === "preview" && v.order === shown
            ? { ...v, order: { ...shown, items: r.data.code_list } }
            : v,
        );
      });
    }
  };
  const switchMode = (m: "scan" | "type") => {
    saveMode(m);
    setMode(m);
  };
  const goHome = (notice?: Notice) => {
    setView(notice ? { name: "home", notice } : { name: "home" });
    void refreshSession();
  };

  const runLookup = async (input: LookupInput): Promise<boolean> => {
    if (busyRef.current) return false;
    busyRef.current = true;
    setBusy("lookup");
    try {
      const r = await lookup(api, shop, input, pacingOf(loadTestPacing()));
      if (r.ok) {
        setView({ name: "preview", order: { shopOrderId: r.data.shop_order_id, items: r.data.code_list } });
        return true;
      }
      if (r.failure.kind === "unauthorized") unpaired({ tone: "error", key: "pair.revoked" });
      else setView({ name: "home", notice: noticeOf(r.failure) });
      return false;
    } finally {
      busyRef.current = false;
      setBusy(null);
    }
  };

  const runRedeem = async (order: Order, codes: string[]) => {
    if (busyRef.current) return;
    const items = order.items.filter((i) => codes.includes(i.code) && isRedeemable(i, shop));
    if (items.length === 0) return;
    busyRef.current = true;
    setBusy("redeem");
    try {
      const request = { shopOrderId: order.shopOrderId, items };
      const outcome = await redeem(api, shop, request, pacingOf(loadTestPacing()), () => setBusy("recheck"));
      if (outcome.kind === "failed" && outcome.failure.kind === "unauthorized") {
        unpaired({ tone: "error", key: "pair.revoked" });
        return;
      }
      setView({ name: "result", order, outcome });
    } finally {
      busyRef.current = false;
      setBusy(null);
    }
  };

  /** Re-reads an order's codes (after a result, or to refresh a preview). */
  const reopen = async (order: Order) => {
    await runLookup({ kind: "codes", codes: order.items.map((i) => i.code) });
  };

  if (!device) {
    return (
      <Shell t={t} lang={lang} onLang={switchLang} online={browserOnline}>
        <PairScreen
          t={t}
          api={api}
          notice={pairNotice}
          onPaired={(d) => {
            saveDevice(d);
            setPairNotice(undefined);
            setDevice(d);
            setView({ name: "home" });
          }}
        />
      </Shell>
    );
  }

  return (
    <Shell
      t={t}
      lang={lang}
      onLang={switchLang}
      online={online}
      shopName={device.shopName}
      nav={
        <nav class="nav" aria-label="main">
          <button
            type="button"
            class={`nav-btn${view.name !== "history" ? " active" : ""}`}
            onClick={() => goHome()}
            disabled={busy === "redeem" || busy === "recheck"}
          >
            {t("nav.redeem")}
          </button>
          <button
            type="button"
            class={`nav-btn${view.name === "history" ? " active" : ""}`}
            onClick={() => setView({ name: "history" })}
            disabled={busy === "redeem" || busy === "recheck"}
          >
            {t("nav.history")}
          </button>
        </nav>
      }
    >
      {view.name === "home" && (
        <HomeScreen
          ui={ui}
          mode={mode}
          onMode={switchMode}
          busy={busy === "lookup"}
          notice={view.notice}
          onLookup={runLookup}
          onDismiss={() => setView({ name: "home" })}
        />
      )}
      {view.name === "preview" && (
        <PreviewScreen
          ui={ui}
          order={view.order}
          notice={view.notice}
          busy={busy}
          onRedeem={(codes) => runRedeem(view.order, codes)}
          onBack={() => goHome()}
        />
      )}
      {view.name === "result" && (
        <ResultScreen
          ui={ui}
          order={view.order}
          outcome={view.outcome}
          onNext={() => goHome()}
          onReopen={() => reopen(view.order)}
          onRetry={() => {
            const shown = view.outcome;
            if (shown.kind !== "redeemable") return;
            // The recheck's items: what the server said last about these codes.
            const order = { ...view.order, items: shown.items };
            void runRedeem(
              order,
              shown.redeemable.map((i) => i.code),
            );
          }}
          busy={busy !== null}
        />
      )}
      {view.name === "history" && (
        <HistoryScreen
          ui={ui}
          api={api}
          merchantId={device.merchantId}
          onUnauthorized={() => unpaired({ tone: "error", key: "pair.revoked" })}
          onUnpair={() => {
            // Best effort: the token is revoked on the server; the device forgets it either way.
            void api.unpair().finally(() => unpaired());
          }}
          onSession={refreshSession}
        />
      )}
    </Shell>
  );
}

function Shell(props: {
  t: Translate;
  lang: Lang;
  onLang: () => void;
  online: boolean;
  shopName?: string;
  nav?: ComponentChildren;
  children: ComponentChildren;
}) {
  const { t } = props;
  return (
    <div class="shell">
      <header class="top">
        <div class="brand">
          <span class="title">{t("app.title")}</span>
          {props.shopName && <span class="shop">{props.shopName}</span>}
        </div>
        <button type="button" class="lang" onClick={props.onLang} lang={t("lang.code")} data-testid="lang">
          {t("lang.switch")}
        </button>
      </header>
      {!props.online && (
        <div class="offline" role="alert" data-testid="offline">
          {t("net.offline")}
        </div>
      )}
      {props.nav}
      <main class="main">{props.children}</main>
    </div>
  );
}
