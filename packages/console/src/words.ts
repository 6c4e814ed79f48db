/** An answer in plain words: what the operator reads after every action. */
import { CATALOGUE, type CatalogueRow, type Failure } from "@fulfill/sdk/wire";

/** The catalogue row by its name (`R18`), for a logged request's outcome. */
export function catalogueRow(row: string): CatalogueRow | undefined {
  return CATALOGUE.find((r) => r.row === row);
}

const HANDLING: Record<string, string> = {
  retry: "the client may send the same request again",
  recheck: "the client re-reads the codes before deciding",
  rescan: "the customer shows the code again",
  refresh_qr: "the customer refreshes the QR in the app",
  none: "nothing to retry: the request must change",
};

export const handlingWords = (handling: string) => HANDLING[handling] ?? handling;

/** One line for a failed action: its code and message, the description, the log id. */
export function failureWords(f: Failure): string {
  if (f.kind === "network")
    return `No answer from the server (${f.description}). Nothing is known to have changed.`;
  const who = f.row ? `${f.row} ${f.code}` : f.code;
  const log = f.logId ? ` Log id ${f.logId}.` : "";
  if (f.kind === "unauthorized") return `Refused (${who}): the operator token is not valid.${log}`;
  if (f.kind === "busy")
    return `Too many attempts (${who}): wait ${Math.ceil(f.retryAfterMs / 1000)} s.${log}`;
  return `Refused (${who} ${f.message}): ${f.description}.${log}`.replace("..", ".");
}

/** The time of a Unix second, in the operator's locale and UTC (the server's logs are UTC). */
export function when(seconds: number | null | undefined): string {
  if (!seconds) return "—";
  return `${new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

/** `1 call`, `2 calls`: a count with its noun. */
export function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
