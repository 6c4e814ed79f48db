/**
 * Secrets at rest (client secrets sign webhooks, so they are kept encrypted, not hashed):
 * AES-256-GCM with a key of the deployment, stored as "v1.<nonce>.<ciphertext+tag>" base64url.
 * During a key rotation the previous key (FULFILL_SECRET_KEY_PREVIOUS) still opens what it
 * sealed; everything is sealed under the current key. GCM's tag tells which key fits, so the
 * sealed form needs no key id.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hash,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

export class SecretBox {
  readonly #key: Buffer;
  readonly #previous: Buffer | null;

  constructor(key: Buffer, previous: Buffer | null = null) {
    if (key.length !== 32 || (previous !== null && previous.length !== 32))
      throw new Error("secret key must be 32 bytes");
    this.#key = Buffer.from(key);
    this.#previous = previous === null ? null : Buffer.from(previous);
  }

  seal(plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, nonce);
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `v1.${nonce.toString("base64url")}.${body.toString("base64url")}`;
  }

  /** The plaintext, under the current key or else the previous one; throws when neither fits. */
  open(sealed: string): string {
    if (this.#previous === null) return openWith(this.#key, sealed);
    try {
      return openWith(this.#key, sealed);
    } catch {
      return openWith(this.#previous, sealed);
    }
  }

  /** Whether the current key opens it (a rotation counts what was still under the previous one). */
  underCurrentKey(sealed: string): boolean {
    try {
      openWith(this.#key, sealed);
      return true;
    } catch {
      return false;
    }
  }
}

function openWith(key: Buffer, sealed: string): string {
  const [version, nonceText, bodyText] = sealed.split(".");
  if (version !== "v1" || !nonceText || !bodyText) throw new Error("unknown sealed secret format");
  const body = Buffer.from(bodyText, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(nonceText, "base64url"), {
    authTagLength: 16,
  });
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString(
    "utf8",
  );
}

/** Tokens are kept as hashes; lookups are by hash, so a stolen table holds no usable token. */
export function hashToken(token: string): string {
  // One-shot hash (every SaaS request hashes its token): no Hash object per call.
  return hash("sha256", token, "hex");
}

/** Constant-time string comparison for secrets. */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}
