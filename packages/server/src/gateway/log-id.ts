import { randomBytes } from "node:crypto";

/** TTLS-style log id: UTC YYYYMMDDHHMMSS followed by 20 random hex digits (unique per request). */
export function newLogId(nowMs: number = Date.now()): string {
  const d = new Date(nowMs);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const stamp = `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  return `${stamp}${randomBytes(10).toString("hex").toUpperCase()}`;
}

export const LOG_ID_PATTERN = /^\d{14}[0-9A-F]{20}$/;
