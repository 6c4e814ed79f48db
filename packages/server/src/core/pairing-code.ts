/**
 * The one-time pairing code a POS device is paired with, and the names a paired device gets.
 * A code is read aloud or typed from a screen: no 0/O, 1/I/L. 31^8 ≈ 8.5e11.
 */
import { randomInt } from "node:crypto";

export const QUERY_SCOPE = "localservice.fulfill.query";
export const REDEEM_SCOPE = "localservice.fulfill.redeem";
export const DEVICE_SCOPES = [QUERY_SCOPE, REDEEM_SCOPE] as const;

/** How long a pairing code can be used (business clock). */
export const PAIRING_CODE_TTL_SECONDS = 10 * 60;
/** A device token lives long: a counter tablet is paired once and revoked from the platform side. */
export const DEVICE_TOKEN_TTL_SECONDS = 365 * 86_400;

const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const PAIRING_CODE_LENGTH = 8;

export function newPairingCode(): string {
  let code = "";
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** What a person may type: any case, spaces or dashes. null when it cannot be a code. */
export function normalizePairingCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, "");
  if (code.length !== PAIRING_CODE_LENGTH) return null;
  for (const ch of code) if (!ALPHABET.includes(ch)) return null;
  return code;
}

export const formatPairingCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/** The client key of a paired device's own app. */
export const deviceClientKey = (deviceId: string) => `dev_${deviceId}`;
