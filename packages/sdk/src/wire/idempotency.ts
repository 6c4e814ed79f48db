/**
 * The Idempotency-Key rule (CONTRACT.md section 5), one for every client: **the same key exactly
 * while the request body is unchanged, a new key whenever it changes** (e.g. the pending codes
 * shrink after a recheck found some redeemed). The same key makes a retry after a lost answer
 * safe: the server replays the first final answer instead of redeeming twice. A changed body
 * must never reuse a key: under a key that holds a final answer it is refused as
 * `FulfillIdempotencyKeyReused` (X1, handling `none`).
 */
import type { RedeemBody } from "./types.js";

/** A fresh key: a UUID, or 32 random hex digits where `randomUUID` is missing (a page served over plain http). */
export function newIdempotencyKey(prefix = ""): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === "function") return `${prefix}${c.randomUUID()}`;
  const bytes = new Uint8Array(16);
  c.getRandomValues(bytes);
  return `${prefix}${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The keys of one redeem, across its retries and rechecks. */
export interface IdempotencyKeys {
  /** The key to send `body` with: the previous one if the body is the previous body, else a new one. */
  keyFor(body: RedeemBody): string;
}

export interface IdempotencyKeysOptions {
  /** The key for the first body (e.g. one the caller persisted across a restart). */
  readonly first?: string | undefined;
  /** Prefix of the keys made here (the POS's `pos-`). */
  readonly prefix?: string;
}

/** Every field of the body, in a fixed order: two bodies are the same exactly when these are. */
const bodyOf = (b: RedeemBody) =>
  JSON.stringify([b.merchant_id, b.third_shop_id, b.shop_order_id, b.code_list, b.locale]);

export function idempotencyKeys(options: IdempotencyKeysOptions = {}): IdempotencyKeys {
  let last: { body: string; key: string } | null = null;
  return {
    keyFor(body) {
      const text = bodyOf(body);
      if (last?.body === text) return last.key;
      const key =
        last === null && options.first !== undefined ? options.first : newIdempotencyKey(options.prefix);
      last = { body: text, key };
      return key;
    },
  };
}
