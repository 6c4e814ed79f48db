/**
 * A deployment key's fingerprint, recorded in the database so that a process started with
 * another key is refused before it writes anything (README, "Keys").
 *
 * HMAC-SHA256 under the key of a fixed label naming the variable, truncated to 128 bits. An
 * HMAC output says nothing about its key (a PRF), even for a key that is not uniformly random
 * (the schema admits any 32 bytes); the label keeps the two keys' fingerprints unrelated, so
 * the table does not even say whether one key serves both variables, nor matches a plain hash
 * of the key published elsewhere. 128 bits: a chance match is out of reach, and the
 * fingerprint only detects a mistake, it authenticates nothing.
 */
import { createHmac } from "node:crypto";

export const SECRET_KEY = "FULFILL_SECRET_KEY";
export const QR_KEY = "FULFILL_QR_KEY";
export type KeyName = typeof SECRET_KEY | typeof QR_KEY;

export function keyFingerprint(name: KeyName, key: Buffer): string {
  const mac = createHmac("sha256", key).update(`ttls-fulfill key fingerprint v1 ${name}`).digest();
  return `v1:${mac.subarray(0, 16).toString("base64url")}`;
}
