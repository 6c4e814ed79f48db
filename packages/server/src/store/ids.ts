/**
 * Time-ordered int64 ids: 41 bits of milliseconds since 2024-01-01 (real clock), 10 bits of
 * worker, 12 bits of sequence. Its real failures are errors: the clock moved backwards, or
 * the sequence of one millisecond ran out. They are not papered over by waiting, so the
 * caller answers R11 / R33 and the client rechecks.
 */
import type { FaultPoints, IdSource, ReadContext, RealClock } from "../core/ports.js";
import { DependencyUnavailable } from "./faults.js";

const EPOCH_MS = 1704067200000; // 2024-01-01T00:00:00Z

export class IdClockMovedBackwards extends Error {
  override name = "IdClockMovedBackwards";
}
export class IdSequenceExhausted extends Error {
  override name = "IdSequenceExhausted";
}
/** The real clock reads before 2024-01-01 or past the 41-bit range: no positive int64 id exists. */
export class IdClockOutOfRange extends Error {
  override name = "IdClockOutOfRange";
}

const MAX_MS = 2 ** 41 - 1;

export class Snowflake {
  #lastMs = -1;
  #sequence = 0;

  constructor(
    readonly worker: number,
    readonly clock: RealClock,
    readonly sequenceBits = 12,
  ) {
    if (!Number.isInteger(worker) || worker < 0 || worker > 1023) throw new Error("worker must be 0..1023");
    // The sequence has 12 bits of the id; more would overlap the worker bits (ids of two workers could collide).
    if (!Number.isInteger(sequenceBits) || sequenceBits < 0 || sequenceBits > 12) {
      throw new Error("sequenceBits must be 0..12");
    }
  }

  next(): string {
    const now = Math.floor(this.clock.nowMs());
    if (!Number.isFinite(now) || now - EPOCH_MS < 0 || now - EPOCH_MS > MAX_MS) {
      throw new IdClockOutOfRange(`real clock reads ${now} ms, outside the id range`);
    }
    if (now < this.#lastMs) {
      throw new IdClockMovedBackwards(`real clock moved backwards by ${this.#lastMs - now} ms`);
    }
    if (now === this.#lastMs) {
      this.#sequence += 1;
      if (this.#sequence >= 2 ** this.sequenceBits) {
        throw new IdSequenceExhausted(`more than ${2 ** this.sequenceBits} ids in one millisecond`);
      }
    } else {
      this.#lastMs = now;
      this.#sequence = 0;
    }
    const ms = BigInt(now - EPOCH_MS);
    return ((ms << 22n) | (BigInt(this.worker) << 12n) | BigInt(this.#sequence)).toString();
  }
}

export class FaultyIdSource implements IdSource {
  constructor(
    readonly generator: Snowflake,
    readonly faults: FaultPoints,
  ) {}

  #nextFor(ctx: ReadContext): string {
    if (ctx.fault && this.faults.fires(ctx.fault, ctx.merchantId)) throw new DependencyUnavailable(ctx.fault);
    return this.generator.next();
  }

  redeemId(ctx: ReadContext): string {
    return this.#nextFor(ctx);
  }

  eventId(ctx: ReadContext): string {
    return this.#nextFor(ctx);
  }

  next(): string {
    return this.generator.next();
  }
}
