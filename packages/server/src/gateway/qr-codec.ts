/**
 * The customer's dynamic QR (CONTRACT.md section 4):
 * "TT-" + base64url_nopad(0x01 ‖ nonce[12] ‖ AES-256-GCM(key, nonce, JSON) ‖ tag[16]).
 * Opening it answers the exact row of each failure: G1 (no prefix), G10 (not base64url or too
 * short), G11 (unknown version or authentication failed), G12 (not the QR JSON).
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { QrPayload } from "../core/issue-qr.js";

export type { QrPayload };

import { fail, ok, type Result } from "../core/result.js";

const VERSION = 0x01;
const NONCE = 12;
const TAG = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const MAX_QR_LENGTH = 4096;

export class QrCodec {
  readonly #key: Buffer;
  readonly #previous: Buffer | null;

  constructor(key: Buffer, previous: Buffer | null = null) {
    if (key.length !== 32 || (previous !== null && previous.length !== 32))
      throw new Error("the QR key must be 32 bytes");
    this.#key = Buffer.from(key);
    this.#previous = previous === null ? null : Buffer.from(previous);
  }

  seal(payload: QrPayload): string {
    return this.sealBytes(Buffer.from(JSON.stringify(payload), "utf8"));
  }

  /** Seals any plaintext (tests use it to build QRs that decrypt to something that is not a payload). */
  sealBytes(plaintext: Buffer): string {
    const nonce = randomBytes(NONCE);
    const cipher = createCipheriv("aes-256-gcm", this.#key, nonce, { authTagLength: TAG });
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return `TT-${Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()]).toString("base64url")}`;
  }

  open(qrInfo: string): Result<QrPayload> {
    if (!qrInfo.startsWith("TT-")) return fail("G1", "qr_info lacks the TT- prefix");
    const text = qrInfo.slice(3);
    // Buffer.from(s, "base64url") never throws: validate the alphabet and length ourselves.
    if (text.length > MAX_QR_LENGTH || !BASE64URL.test(text) || text.length % 4 === 1) {
      return fail("G10", "qr_info is not unpadded base64url");
    }
    const raw = Buffer.from(text, "base64url");
    // The decoder ignores the unused low bits of the last character, so several strings decode
    // to the same bytes: only the canonical encoding is base64url here, or an altered QR opens.
    if (raw.toString("base64url") !== text) return fail("G10", "qr_info is not canonical base64url");
    if (raw.length < 1 + NONCE + TAG) return fail("G10", "qr_info too short for version, nonce and tag");
    if (raw[0] !== VERSION) return fail("G11", `unknown QR version ${raw[0]}`);
    const plaintext =
      decrypt(this.#key, raw) ?? (this.#previous === null ? null : decrypt(this.#previous, raw));
    if (plaintext === null) return fail("G11", "QR authentication failed");
    const payload = parsePayload(plaintext);
    return payload ? ok(payload) : fail("G12", "QR plaintext is not the QR JSON");
  }
}

/** The QR's plaintext under `key`, or null when its tag does not authenticate under it. */
function decrypt(key: Buffer, raw: Buffer): Buffer | null {
  try {
    const nonce = raw.subarray(1, 1 + NONCE);
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG });
    decipher.setAuthTag(raw.subarray(raw.length - TAG));
    return Buffer.concat([decipher.update(raw.subarray(1 + NONCE, raw.length - TAG)), decipher.final()]);
  } catch {
    return null;
  }
}

const ID = /^[1-9]\d{0,18}$/;

function parsePayload(plaintext: Buffer): QrPayload | null {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext));
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const isTime = (t: unknown) => Number.isSafeInteger(t) && (t as number) >= 0;
  if (v.v !== 1 || typeof v.shop_order_id !== "string" || !ID.test(v.shop_order_id)) return null;
  if (BigInt(v.shop_order_id) > 9223372036854775807n) return null;
  if (typeof v.qr_id !== "string" || v.qr_id.length === 0 || v.qr_id.length > 64) return null;
  if (!isTime(v.iat) || !isTime(v.exp)) return null;
  return { v: 1, shop_order_id: v.shop_order_id, qr_id: v.qr_id, iat: v.iat as number, exp: v.exp as number };
}
