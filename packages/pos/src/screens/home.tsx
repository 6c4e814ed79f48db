/** The start screen: scan the customer's QR, or type the code on a large keypad. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Notice, Ui } from "../app.js";
import type { LookupInput } from "../flow.js";
import { groupCode } from "../format.js";
import type { Key } from "../i18n.js";
import { CameraError, type Scanner, startScanner } from "../scanner.js";
import { NoticeBox } from "./parts.js";

const CODE_LENGTH = 12;

interface Props {
  ui: Ui;
  mode: "scan" | "type";
  onMode: (m: "scan" | "type") => void;
  busy: boolean;
  notice: Notice | undefined;
  onLookup: (input: LookupInput) => Promise<boolean>;
  onDismiss: () => void;
}

export function HomeScreen(props: Props) {
  const { ui, mode } = props;
  return (
    <section class="screen home" data-screen="home">
      <div class="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={mode === "scan"}
          class={`tab${mode === "scan" ? " active" : ""}`}
          onClick={() => props.onMode("scan")}
        >
          {ui.t("nav.scan")}
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === "type"}
          class={`tab${mode === "type" ? " active" : ""}`}
          onClick={() => props.onMode("type")}
        >
          {ui.t("nav.type")}
        </button>
      </div>
      {props.notice && <NoticeBox ui={ui} notice={props.notice} onDismiss={props.onDismiss} />}
      {mode === "type" ? <Keypad {...props} /> : <ScanView {...props} />}
    </section>
  );
}

function Keypad({ ui, busy, onLookup, notice, onDismiss }: Props) {
  const [digits, setDigits] = useState("");
  const complete = digits.length === CODE_LENGTH;
  const press = (d: string) => setDigits((v) => (v.length < CODE_LENGTH ? v + d : v));
  const erase = () => setDigits((v) => v.slice(0, -1));
  // An error is about the digits it was shown for: once they change, it no longer applies.
  const shownFor = useRef(digits);
  const noticeRef = useRef(notice);
  if (noticeRef.current !== notice) {
    noticeRef.current = notice;
    shownFor.current = digits;
  }
  useEffect(() => {
    if (notice?.tone === "error" && digits !== shownFor.current) onDismiss();
  }, [digits, notice, onDismiss]);
  // Why "Look up" cannot be tapped yet, said under it.
  const why: Key | null = busy
    ? null
    : !ui.online
      ? "type.whyOffline"
      : digits.length === 0
        ? "type.whyEmpty"
        : digits.length === CODE_LENGTH - 1
          ? "type.whyDigitOne"
          : !complete
            ? "type.whyDigits"
            : null;
  const submit = async () => {
    if (!complete || busy) return;
    if (await onLookup({ kind: "codes", codes: [digits] })) setDigits("");
  };
  const submitRef = useRef(submit);
  submitRef.current = submit;

  // A hardware keyboard or a barcode wedge types digits too.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (/^[0-9]$/.test(e.key)) press(e.key);
      else if (e.key === "Backspace") erase();
      else if (e.key === "Enter") void submitRef.current();
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];
  return (
    <div class="keypad-wrap">
      <h1 class="sr-only">{ui.t("type.title")}</h1>
      <output class={`code-display${digits ? "" : " empty"}`} aria-live="polite" data-testid="code-display">
        {digits ? groupCode(digits) : ui.t("type.help")}
      </output>
      <div class="keypad">
        {keys.map((k) => (
          <button type="button" key={k} class="key" onClick={() => press(k)} disabled={busy}>
            {k}
          </button>
        ))}
        <button
          type="button"
          class="key fn"
          onClick={() => setDigits("")}
          disabled={busy || !digits}
          aria-label={ui.t("type.clear")}
        >
          C
        </button>
        <button type="button" class="key" onClick={() => press("0")} disabled={busy}>
          0
        </button>
        <button
          type="button"
          class="key fn"
          onClick={erase}
          disabled={busy || !digits}
          aria-label={ui.t("type.delete")}
        >
          ⌫
        </button>
      </div>
      <button
        type="button"
        class="btn primary big"
        onClick={() => void submit()}
        disabled={!complete || busy || !ui.online}
        aria-describedby={why ? "lookup-why" : undefined}
      >
        {busy ? ui.t("type.looking") : ui.t("type.lookup")}
      </button>
      {why && (
        <p class="why" id="lookup-why" data-testid="lookup-why">
          {ui.t(why, { n: CODE_LENGTH - digits.length })}
        </p>
      )}
    </div>
  );
}

type ScanState =
  | { kind: "starting" }
  | { kind: "scanning"; engine: string }
  | { kind: "found" }
  | { kind: "stopped"; problem?: Key };

function ScanView({ ui, busy, onLookup, notice, onMode }: Props) {
  const video = useRef<HTMLVideoElement>(null);
  const scanner = useRef<Scanner | null>(null);
  // A notice (e.g. a spent QR) stops the camera until the person asks to scan again.
  const [state, setState] = useState<ScanState>(notice ? { kind: "stopped" } : { kind: "starting" });
  const [round, setRound] = useState(0);

  useEffect(() => {
    if (state.kind !== "starting" || !video.current) return;
    let cancelled = false;
    const el = video.current;
    startScanner(el, (text) => {
      if (cancelled) return;
      if (text.startsWith("TT-")) {
        setState({ kind: "found" });
        void onLookup({ kind: "qr", qr: text }).then((ok) => {
          if (!ok && !cancelled) setState({ kind: "stopped" });
        });
      } else if (/^\d{12}$/.test(text)) {
        setState({ kind: "found" });
        void onLookup({ kind: "codes", codes: [text] }).then((ok) => {
          if (!ok && !cancelled) setState({ kind: "stopped" });
        });
      } else {
        setState({ kind: "stopped", problem: "scan.notVoucher" });
      }
    })
      .then((s) => {
        if (cancelled) s.stop();
        else {
          scanner.current = s;
          setState((prev) => (prev.kind === "starting" ? { kind: "scanning", engine: s.engine } : prev));
        }
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        const problem = err instanceof CameraError ? err.problem : "failed";
        setState({ kind: "stopped", problem: `scan.${problem}` });
      });
    return () => {
      cancelled = true;
      scanner.current?.stop();
      scanner.current = null;
    };
    // Restarted only by a new round (Scan again); the callbacks it uses do not restart the camera.
  }, [round]);

  // A phone put away or another app opened: the camera goes off until Scan again.
  useEffect(() => {
    const onVisibility = () => {
      if (document.hidden && scanner.current) {
        scanner.current.stop();
        scanner.current = null;
        setState({ kind: "stopped" });
      }
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => document.removeEventListener("visibilitychange", onVisibility);
  }, []);

  const cameraProblem =
    state.kind === "stopped" && state.problem !== undefined && state.problem !== "scan.notVoucher";
  const again = () => {
    setState({ kind: "starting" });
    setRound((r) => r + 1);
  };

  return (
    <div class="scan-wrap">
      <h1 class="sr-only">{ui.t("scan.title")}</h1>
      <div
        class={`viewfinder${state.kind === "scanning" ? " live" : ""}${state.kind === "stopped" ? " stopped" : ""}`}
      >
        <video ref={video} muted playsInline tabIndex={-1} />
        {state.kind === "scanning" && <div class="reticle" />}
      </div>
      <p
        class="scan-status"
        data-testid="scan-status"
        data-engine={state.kind === "scanning" ? state.engine : ""}
      >
        {state.kind === "starting" && ui.t("scan.starting")}
        {state.kind === "scanning" && ui.t("scan.title")}
        {state.kind === "found" && ui.t(busy ? "scan.found" : "scan.scanning")}
        {state.kind === "stopped" && state.problem && ui.t(state.problem)}
      </p>
      {state.kind === "stopped" && cameraProblem && (
        // No camera to use: typing the code is what the cashier can do now; scanning is the second choice.
        <div class="actions">
          <button type="button" class="btn secondary" onClick={again} disabled={busy}>
            {ui.t("scan.again")}
          </button>
          <button
            type="button"
            class="btn primary big grow"
            onClick={() => onMode("type")}
            disabled={busy}
            data-testid="type-instead"
          >
            {ui.t("scan.typeInstead")}
          </button>
        </div>
      )}
      {state.kind === "stopped" && !cameraProblem && (
        <button type="button" class="btn primary big" onClick={again} disabled={busy}>
          {ui.t("scan.again")}
        </button>
      )}
    </div>
  );
}
