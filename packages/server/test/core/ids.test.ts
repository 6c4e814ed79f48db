/**
 * The id generator (src/store/ids.ts): time-ordered int64 ids whose real failures (the real
 * clock moved backwards, the sequence of one millisecond ran out) are errors, and, through the
 * core on both databases, those real failures answer R11 / R33 and write nothing.
 */
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RealClock } from "../../src/core/ports.js";
import { DependencyUnavailable, FaultBoard } from "../../src/store/faults.js";
import {
  FaultyIdSource,
  IdClockMovedBackwards,
  IdClockOutOfRange,
  IdSequenceExhausted,
  Snowflake,
} from "../../src/store/ids.js";
import type { System } from "../../src/system.js";
import { count, itemRows, load, redeem } from "../support/core-harness.js";
import { testDatabases } from "../support/databases.js";
import {
  type BuiltOrder,
  baseWorld,
  MERCHANT,
  NOW,
  OTHER_MERCHANT,
  order,
  product,
} from "../support/world.js";

const EPOCH_MS = Date.UTC(2024, 0, 1); // the layout's epoch: 2024-01-01T00:00:00Z
const INT64_MAX = 2n ** 63n - 1n;
const PER_MS = 4096;

/** A real clock the test moves by hand; `script` values are returned first, one per read. */
class ManualClock implements RealClock {
  reads = 0;
  script: number[] = [];
  constructor(public t: number) {}
  nowMs(): number {
    this.reads += 1;
    return this.script.shift() ?? this.t;
  }
}

function decode(id: string) {
  const n = BigInt(id);
  return { ms: Number(n >> 22n) + EPOCH_MS, worker: Number((n >> 12n) & 1023n), sequence: Number(n & 4095n) };
}

function expectIncreasing(ids: readonly string[]) {
  for (let i = 1; i < ids.length; i++) {
    expect(BigInt(ids[i] as string) > BigInt(ids[i - 1] as string), `${ids[i - 1]} < ${ids[i]}`).toBe(true);
  }
}

const clockMs = fc.integer({ min: EPOCH_MS + 1, max: EPOCH_MS + 2 ** 41 - 1 });

describe("Snowflake", () => {
  it("an id is a decimal string that fits in int64 and carries ms, worker and sequence", () => {
    fc.assert(
      fc.property(
        clockMs,
        fc.integer({ min: 0, max: 1023 }),
        fc.integer({ min: 1, max: 20 }),
        (t, worker, n) => {
          const g = new Snowflake(worker, new ManualClock(t));
          for (let i = 0; i < n; i++) {
            const id = g.next();
            expect(id).toMatch(/^[1-9]\d{0,18}$/);
            expect(BigInt(id) <= INT64_MAX).toBe(true);
            expect(decode(id)).toEqual({ ms: t, worker, sequence: i });
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("the last millisecond of the range still fits in int64", () => {
    const g = new Snowflake(1023, new ManualClock(EPOCH_MS + 2 ** 41 - 1));
    let last = "";
    for (let i = 0; i < PER_MS; i++) last = g.next();
    expect(BigInt(last)).toBe(INT64_MAX);
  });

  it("ids strictly increase while the real clock does not go back (property, fractional ms too)", () => {
    fc.assert(
      fc.property(
        clockMs.filter((t) => t < EPOCH_MS + 2 ** 40),
        fc.integer({ min: 0, max: 1023 }),
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 3, noNaN: true })), { maxLength: 400 }),
        (start, worker, steps) => {
          const clock = new ManualClock(start);
          const g = new Snowflake(worker, clock);
          const ids = [g.next()];
          for (const step of steps) {
            clock.t += step;
            ids.push(g.next());
          }
          expectIncreasing(ids);
          expect(new Set(ids).size).toBe(ids.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("distinct workers never collide on the same clock (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 1023 }), { minLength: 2, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 300 }),
        (workers, plan) => {
          const clock = new ManualClock(Date.now());
          const gens = workers.map((w) => new Snowflake(w, clock));
          const all = new Set<string>();
          let made = 0;
          for (const [pick, step] of plan) {
            clock.t += step;
            const id = (gens[pick % gens.length] as Snowflake).next();
            made += 1;
            all.add(id);
          }
          expect(all.size).toBe(made);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("all 1024 workers in one millisecond, and two workers at full speed, never collide", () => {
    const clock = new ManualClock(Date.now());
    const all = new Set<string>();
    for (let w = 0; w < 1024; w++) {
      const g = new Snowflake(w, clock);
      for (let i = 0; i < 4; i++) all.add(g.next());
    }
    expect(all.size).toBe(4096);
    const a = new Snowflake(7, clock);
    const b = new Snowflake(8, clock);
    const both = new Set<string>();
    for (let i = 0; i < PER_MS; i++) {
      both.add(a.next());
      both.add(b.next());
    }
    expect(both.size).toBe(2 * PER_MS);
  });

  it("4096 ids in one millisecond; the 4097th throws IdSequenceExhausted, the next millisecond works", () => {
    const clock = new ManualClock(Date.now());
    const g = new Snowflake(3, clock);
    const ids: string[] = [];
    for (let i = 0; i < PER_MS; i++) ids.push(g.next());
    expect(decode(ids[PER_MS - 1] as string).sequence).toBe(PER_MS - 1);
    expect(() => g.next()).toThrow(IdSequenceExhausted);
    expect(() => g.next()).toThrow(IdSequenceExhausted); // still the same millisecond: still exhausted
    clock.t += 1;
    const next = g.next();
    expect(decode(next)).toEqual({ ms: Math.floor(clock.t), worker: 3, sequence: 0 });
    ids.push(next);
    expectIncreasing(ids);
  });

  it("a smaller sequence exhausts sooner (the limit is the sequence's, not a constant)", () => {
    const clock = new ManualClock(Date.now());
    const g = new Snowflake(3, clock, 2);
    for (let i = 0; i < 4; i++) g.next();
    expect(() => g.next()).toThrow(IdSequenceExhausted);
  });

  it("the real clock moved backwards: IdClockMovedBackwards, never a smaller or repeated id (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 7 }), fc.integer({ min: 0, max: 50 }), (back, before) => {
        const clock = new ManualClock(Date.now());
        const g = new Snowflake(5, clock);
        const ids: string[] = [];
        for (let i = 0; i <= before; i++) ids.push(g.next());
        clock.t -= back;
        expect(() => g.next()).toThrow(IdClockMovedBackwards);
        // once the clock is back where it was, the sequence continues: no repeat
        clock.t += back;
        ids.push(g.next());
        clock.t += 1;
        ids.push(g.next());
        expectIncreasing(ids);
      }),
      { numRuns: 300 },
    );
  });

  it("a real clock outside the id range throws instead of producing a negative or oversized id", () => {
    expect(() => new Snowflake(1, new ManualClock(EPOCH_MS - 1)).next()).toThrow(IdClockOutOfRange);
    expect(() => new Snowflake(1, new ManualClock(0)).next()).toThrow(IdClockOutOfRange);
    expect(() => new Snowflake(1, new ManualClock(EPOCH_MS + 2 ** 41)).next()).toThrow(IdClockOutOfRange);
    expect(() => new Snowflake(1, new ManualClock(Number.NaN)).next()).toThrow(IdClockOutOfRange);
  });

  it("refuses a worker outside 0..1023 and a sequence wider than its 12 bits", () => {
    const clock = new ManualClock(Date.now());
    for (const w of [-1, 1024, 1.5, Number.NaN]) expect(() => new Snowflake(w, clock), String(w)).toThrow();
    expect(() => new Snowflake(0, clock, 13)).toThrow();
    expect(() => new Snowflake(1023, clock, 12)).not.toThrow();
  });
});

describe("FaultyIdSource", () => {
  it("a fault point makes the port itself fail, scoped to its merchant; next() has no fault point", () => {
    const faults = new FaultBoard();
    const source = new FaultyIdSource(new Snowflake(1, new ManualClock(Date.now())), faults);
    const ctx = (fault: string | null, merchantId = MERCHANT) => ({ merchantId, fault });
    faults.arm("redeem.redeem_id", 1, OTHER_MERCHANT);
    const first = source.redeemId(ctx("redeem.redeem_id"));
    expect(() => source.redeemId(ctx("redeem.redeem_id", OTHER_MERCHANT))).toThrow(DependencyUnavailable);
    faults.arm("redeem.event_id", 1, null);
    const other = source.next();
    expect(() => source.eventId(ctx("redeem.event_id"))).toThrow(DependencyUnavailable);
    const after = source.eventId(ctx("redeem.event_id")); // the fault fired once
    expectIncreasing([first, other, after]);
  });

  it("passes the generator's real failures through", () => {
    const clock = new ManualClock(Date.now());
    const source = new FaultyIdSource(new Snowflake(1, clock), new FaultBoard());
    source.next();
    clock.t -= 1;
    expect(() => source.redeemId({ merchantId: MERCHANT, fault: "redeem.redeem_id" })).toThrow(
      IdClockMovedBackwards,
    );
  });
});

// ---------------------------------------------------------------- through the core

const P_ANY = "7200000000000000001";
type Item = Parameters<typeof order>[0]["items"][number];
const wait: Item = { status: "WAIT_FULFILL" };

for (const database of testDatabases()) {
  describe(`id failures through the core on ${database.name}`, () => {
    const clock = new ManualClock(Date.now());
    let system: System;
    const world = baseWorld();
    world.products = [product(P_ANY)];
    const orders: Record<string, BuiltOrder> = {};
    for (const name of ["control", "backwards", "exhausted", "eventExhausted", "eventBackwards"]) {
      const o = order({ productId: P_ANY, items: [wait, wait] });
      world.orders?.push(o.order);
      orders[name] = o.built;
    }
    const o = (name: string) => orders[name] as BuiltOrder;

    beforeAll(async () => {
      // cacheMs 0: no cache reads the real clock, so the only real-clock reads of a redeem are its two ids
      system = await database.open({ realClock: clock, cacheMs: 0, deadlineMs: 10_000 });
      await load(system, world);
    });
    afterAll(async () => system?.close());
    beforeEach(() => {
      system.faults.clear();
      system.clock.freeze(NOW);
      clock.script = [];
      clock.t += 1000; // a fresh millisecond, never backwards
    });

    /** Nothing of the redemption was written: the items still wait, no redemption, no event. */
    const expectNothingWritten = async (name: string, before: { outbox: number; redemptions: number }) => {
      for (const r of await itemRows(system, o(name).codes)) {
        expect([r.voucher, r.execution, r.sub, r.redeemId]).toEqual([
          "WAIT_FULFILL",
          "WAIT_FULFILL",
          "WAIT_FULFILL",
          null,
        ]);
      }
      expect(await count(system, "outbox")).toBe(before.outbox);
      expect(await count(system, "redemptions")).toBe(before.redemptions);
    };
    const counts = async () => ({
      outbox: await count(system, "outbox"),
      redemptions: await count(system, "redemptions"),
    });
    const redeemOrder = (name: string) => redeem(system, o(name).shopOrderId, o(name).codes);

    it("control: a redeem takes its redeem id and event id from the real clock, not the business clock", async () => {
      const reads = clock.reads;
      const result = await redeemOrder("control");
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(clock.reads - reads).toBe(2);
      expect(decode(result.value.redeemId).ms).toBe(clock.t);
      const events = await system.database.db
        .selectFrom("outbox")
        .select(["event_id"])
        .where("shop_order_id", "=", o("control").shopOrderId)
        .execute();
      expect(events).toHaveLength(1);
      const eventId = String(events[0]?.event_id);
      expect(decode(eventId).ms).toBe(clock.t);
      expectIncreasing([result.value.redeemId, eventId]);
    });

    it("(a) R11: the real clock moved backwards before the redeem id is generated; nothing written", async () => {
      const before = await counts();
      const last = system.ids.next(); // another request just took an id at this millisecond
      clock.t -= 5; // NTP steps the clock back
      const result = await redeemOrder("backwards");
      expect(result.ok ? "ok" : result.row).toBe("R11");
      expect(result.ok ? "" : result.cause).toMatch(/IdClockMovedBackwards/);
      await expectNothingWritten("backwards", before);
      // the clock catches up: the same codes redeem, with a larger id
      clock.t += 10;
      const retry = await redeemOrder("backwards");
      expect(retry.ok).toBe(true);
      if (retry.ok) expectIncreasing([last, retry.value.redeemId]);
    });

    it("(b) R11: the sequence of the current millisecond is exhausted; nothing written", async () => {
      const before = await counts();
      const taken: string[] = [];
      for (let i = 0; i < PER_MS; i++) taken.push(system.ids.next()); // the whole millisecond
      expect(decode(taken[PER_MS - 1] as string).sequence).toBe(PER_MS - 1);
      const result = await redeemOrder("exhausted");
      expect(result.ok ? "ok" : result.row).toBe("R11");
      expect(result.ok ? "" : result.cause).toMatch(/IdSequenceExhausted/);
      await expectNothingWritten("exhausted", before);
      clock.t += 1;
      const retry = await redeemOrder("exhausted");
      expect(retry.ok).toBe(true);
      if (retry.ok) expectIncreasing([...taken, retry.value.redeemId]);
    });

    it("(c) R33: the redeem id takes the last sequence number, the event id finds none; nothing written", async () => {
      const before = await counts();
      for (let i = 0; i < PER_MS - 1; i++) system.ids.next(); // one id short of the millisecond
      const result = await redeemOrder("eventExhausted");
      expect(result.ok ? "ok" : result.row).toBe("R33");
      expect(result.ok ? "" : result.cause).toMatch(/IdSequenceExhausted/);
      await expectNothingWritten("eventExhausted", before);
      // the redeem id did take the last number of that millisecond
      expect(() => system.ids.next()).toThrow(IdSequenceExhausted);
      clock.t += 1;
      expect((await redeemOrder("eventExhausted")).ok).toBe(true);
    });

    it("(c) R33: the real clock steps back between the redeem id and the event id; nothing written", async () => {
      const before = await counts();
      const reads = clock.reads;
      clock.script = [clock.t, clock.t - 3]; // the redeem id reads t, the event id reads t - 3
      const result = await redeemOrder("eventBackwards");
      expect(result.ok ? "ok" : result.row).toBe("R33");
      expect(result.ok ? "" : result.cause).toMatch(/IdClockMovedBackwards/);
      expect(clock.reads - reads).toBe(2);
      expect(clock.script).toEqual([]);
      await expectNothingWritten("eventBackwards", before);
      clock.t += 1;
      expect((await redeemOrder("eventBackwards")).ok).toBe(true);
    });
  });
}
