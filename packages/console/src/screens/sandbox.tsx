/**
 * The sandbox (only when the server runs with it): arm and clear faults, set and release the
 * business clock, load a world from a file. Each action shows its answer in words.
 */
import { useEffect, useState } from "preact/hooks";
import type { OperatorApi } from "../api.js";
import { count, when } from "../words.js";
import { Outcome, type Said, Section, said } from "./parts.js";

interface Armed {
  point: string;
  times: number;
  merchant_id: string | null;
}

export function SandboxScreen({ api }: { api: OperatorApi }) {
  const [armed, setArmed] = useState<Armed[]>([]);
  const [points, setPoints] = useState<string[]>([]);
  const [point, setPoint] = useState("");
  const [times, setTimes] = useState("1");
  const [merchant, setMerchant] = useState("");
  const [clock, setClock] = useState("");
  const [outcome, setOutcome] = useState<Said | null>(null);
  const [busy, setBusy] = useState(false);

  async function reload() {
    const answer = await api.get<{ armed: Armed[]; points: string[] }>("/sandbox/faults");
    if (!answer.ok) return setOutcome(said(answer, () => ""));
    setArmed(answer.data.armed);
    setPoints(answer.data.points);
    setPoint((p) => p || answer.data.points[0] || "");
  }

  useEffect(() => {
    reload();
  }, [api]);

  async function act<T>(run: () => Promise<import("../api.js").Answer<T>>, done: (data: T) => string) {
    if (busy) return;
    setBusy(true);
    const answer = await run();
    setBusy(false);
    setOutcome(said(answer, done));
    await reload();
  }

  const arm = (e: Event) => {
    e.preventDefault();
    return act(
      () =>
        api.call<{ armed: Armed[] }>("POST", "/sandbox/faults", {
          point,
          times: Number(times),
          ...(merchant.trim() ? { merchant_id: merchant.trim() } : {}),
        }),
      () =>
        `Fault ${point} armed for the next ${count(Number(times), "call", "calls")}${merchant.trim() ? ` of merchant ${merchant.trim()}` : ""}.`,
    );
  };

  const setNow = (now: number | null) =>
    act(
      () => api.call<{ now: number; frozen: boolean }>("POST", "/sandbox/clock", { now }),
      (d) =>
        d.frozen
          ? `Business clock frozen at ${when(d.now)}.`
          : `Business clock released: now ${when(d.now)}.`,
    );

  async function loadWorld(e: Event) {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    let world: unknown;
    try {
      world = JSON.parse(await file.text());
    } catch {
      setOutcome({ tone: "error", text: `${file.name} is not JSON: nothing was sent.` });
      return;
    }
    await act(
      () => api.call<{ loaded: Record<string, number> }>("POST", "/sandbox/world", world),
      (d) =>
        `World ${file.name} loaded: ${Object.entries(d.loaded)
          .map(([k, v]) => `${v} ${k}`)
          .join(", ")}.`,
    );
    input.value = "";
  }

  return (
    <div data-screen="sandbox">
      <Section title="Faults">
        <form class="inline" onSubmit={arm}>
          <label for="fault-point">Point</label>
          <select
            id="fault-point"
            value={point}
            onChange={(e) => setPoint((e.target as HTMLSelectElement).value)}
          >
            {points.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
          <label for="fault-times">Times</label>
          <input
            id="fault-times"
            type="number"
            min={1}
            value={times}
            onInput={(e) => setTimes((e.target as HTMLInputElement).value)}
          />
          <label for="fault-merchant">Merchant</label>
          <input
            id="fault-merchant"
            value={merchant}
            placeholder="any"
            onInput={(e) => setMerchant((e.target as HTMLInputElement).value)}
          />
          <button class="btn primary" type="submit" disabled={busy || !point}>
            Arm
          </button>
          <button
            class="btn"
            type="button"
            disabled={busy}
            onClick={() =>
              act(
                () => api.call("DELETE", "/sandbox/faults"),
                () => "Every fault cleared.",
              )
            }
          >
            Clear all
          </button>
        </form>
        <Outcome said={outcome} />
        <h3>Armed</h3>
        {armed.length === 0 ? (
          <p class="muted" data-testid="armed">
            None.
          </p>
        ) : (
          <ul data-testid="armed">
            {armed.map((a) => (
              <li key={`${a.point}/${a.merchant_id}`}>
                {a.point}: {a.times} left{a.merchant_id ? `, merchant ${a.merchant_id}` : ""}
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title="Business clock">
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            const ms = Date.parse(`${clock}Z`);
            if (Number.isFinite(ms)) setNow(Math.floor(ms / 1000));
          }}
        >
          <label for="clock-at">Freeze at (UTC)</label>
          <input
            id="clock-at"
            type="datetime-local"
            step={1}
            value={clock}
            onInput={(e) => setClock((e.target as HTMLInputElement).value)}
          />
          <button class="btn primary" type="submit" disabled={busy || clock === ""}>
            Set clock
          </button>
          <button class="btn" type="button" disabled={busy} onClick={() => setNow(null)}>
            Release clock
          </button>
        </form>
      </Section>
      <Section title="World">
        <label for="world-file">Load a world file (JSON)</label>{" "}
        <input
          id="world-file"
          type="file"
          accept="application/json,.json"
          disabled={busy}
          onChange={loadWorld}
        />
      </Section>
    </div>
  );
}
