/** What an HTTP answer of the fulfilment API ends on: "ok", a catalogue row, or a generic code. */
import { CATALOGUE, type CatalogueEndpoint } from "../../src/domain/catalogue.js";
import type { HttpAnswer } from "../support/server.js";

export function answerRow(endpoint: CatalogueEndpoint, answer: HttpAnswer): string {
  const code = answer.json?.error?.code;
  if (answer.status === 200 && code === "0") return "ok";
  if (typeof code !== "string") return `http_${answer.status}`;
  return CATALOGUE.find((r) => r.endpoint === endpoint && r.code === code)?.row ?? code;
}

/** Counts of each answer row, for test output and assertions. */
export function tally(rows: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[r] = (out[r] ?? 0) + 1;
  return out;
}
