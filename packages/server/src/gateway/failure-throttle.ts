/**
 * Throttles failed credential attempts (client secrets, the operator token, pairing codes):
 * each rule counts failures per key over its window; once a key has used its allowance, every
 * attempt on it (right or wrong) waits until the window ends. Per process, or shared through
 * Redis (counted per process while Redis is unreachable).
 */
import { createHash } from "node:crypto";
import type { WindowCounter } from "./ports.js";

export interface ThrottleRule {
  readonly counter: WindowCounter;
  /** Failures allowed per key per window. */
  readonly allowed: number;
}

/** A short stable stand-in for a key that may be long or secret (a client key, a pairing code). */
export const keyDigest = (s: string) => createHash("sha256").update(s).digest("base64url").slice(0, 22);

export class FailureThrottle {
  /** `rules[i]` counts the failures of `keys[i]` in the calls below. */
  constructor(readonly rules: readonly ThrottleRule[]) {}

  /** Seconds to wait when any key has used its allowance, else null. Keys may be null (not known). */
  async blocked(keys: readonly (string | null)[]): Promise<number | null> {
    const counts = await Promise.all(
      this.rules.map((r, i) => {
        const key = keys[i];
        return key == null ? null : r.counter.peek(key);
      }),
    );
    let wait: number | null = null;
    counts.forEach((c, i) => {
      const rule = this.rules[i] as ThrottleRule;
      if (!c || c.total < rule.allowed) return;
      wait = Math.max(wait ?? 0, Math.max(1, Math.ceil(c.msLeft / 1000)));
    });
    return wait;
  }

  async fail(keys: readonly (string | null)[]): Promise<void> {
    await Promise.all(
      this.rules.map((r, i) => {
        const key = keys[i];
        return key == null ? null : r.counter.add(key, 1);
      }),
    );
  }
}
