/**
 * Secrets at rest (client secrets sign webhooks, so they are kept encrypted, not hashed):
 * AES-256-GCM with a key of the deployment, stored as "v1.<nonce>.<ciphertext+tag>" base64url.
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

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error("secret key must be 32 bytes");
    this.#key = Buffer.from(key);
  }

  seal(plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, nonce);
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `v1.${nonce.toString("base64url")}.${body.toString("base64url")}`;
  }

  open(sealed: string): string {
    const [version, nonceText, bodyText] = sealed.split(".");
    if (version !== "v1" || !nonceText || !bodyText) throw new Error("unknown sealed secret format");
    const body = Buffer.from(bodyText, "base64url");
    const decipher = createDecipheriv("aes-256-gcm", this.#key, Buffer.from(nonceText, "base64url"), {
      authTagLength: 16,
    });
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString(
      "utf8",
    );
  }
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
