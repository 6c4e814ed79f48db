import { randomFillSync } from "node:crypto";

/** Random bytes drawn 4 KiB at a time: one CSPRNG call per ~400 log ids instead of one each. */
const pool = Buffer.alloc(4096);
let offset = pool.length;

function random10(): string {
  if (offset + 10 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString("hex", offset, offset + 10);
  offset += 10;
  return hex;
}

/** TTLS-style log id: UTC YYYYMMDDHHMMSS followed by 20 random hex digits (unique per request). */
export function newLogId(nowMs: number = Date.now()): string {
  const d = new Date(nowMs);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const stamp = `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  return `${stamp}${random10().toUpperCase()}`;
}

export const LOG_ID_PATTERN = /^\d{14}[0-9A-F]{20}$/;
