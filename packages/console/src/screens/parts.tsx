/** Small shared pieces: the answer line every action shows, a field, a titled section. */
import type { ComponentChildren } from "preact";
import type { Answer } from "../api.js";
import { failureWords } from "../words.js";

export interface Said {
  readonly tone: "ok" | "error";
  readonly text: string;
}

/** What an answer says: `done` in words on success, the failure's row in words otherwise. */
export function said<T>(answer: Answer<T>, done: (data: T) => string): Said {
  if (answer.ok)
    return { tone: "ok", text: `${done(answer.data)}${answer.logId ? ` Log id ${answer.logId}.` : ""}` };
  return { tone: "error", text: failureWords(answer.failure) };
}

export function Outcome({ said: s }: { said: Said | null }) {
  if (!s) return null;
  return (
    <p class={`outcome ${s.tone}`} data-testid="outcome" role={s.tone === "error" ? "alert" : "status"}>
      {s.text}
    </p>
  );
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="card">
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** Label and value pairs, one per line. */
export function Facts({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v ?? "—"}</dd>
        </div>
      ))}
    </dl>
  );
}
