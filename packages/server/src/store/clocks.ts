/** The two clocks of CONTRACT.md section 1a. */
import type { BusinessClock, RealClock } from "../core/ports.js";

export const systemRealClock: RealClock = { nowMs: () => Date.now() };

/** Business time: real time, unless the sandbox froze it at a given second. */
export class SandboxClock implements BusinessClock {
  #frozen: number | null = null;

  constructor(readonly real: RealClock = systemRealClock) {}

  now(): number {
    return this.#frozen ?? Math.floor(this.real.nowMs() / 1000);
  }

  freeze(at: number | null): void {
    this.#frozen = at;
  }

  get frozen(): number | null {
    return this.#frozen;
  }
}
