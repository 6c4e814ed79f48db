/**
 * The item state machine of CONTRACT.md section 5, checked exhaustively against a table written
 * here by hand (never computed by the implementation): every one of the 5×5×5 status triples ×
 * every event. Plus fast-check walks from the all-INIT state.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  agrees,
  ITEM_EVENTS,
  type ItemEvent,
  type ItemState,
  itemRedemptionStatus,
  nextItemState,
} from "../../src/domain/item-state.js";
import { type FulfillStatus, REDEMPTION_STATUS, STATUSES } from "../../src/domain/status.js";

const I: FulfillStatus = "INIT";
const W: FulfillStatus = "WAIT_FULFILL";
const F: FulfillStatus = "FINISH";
const P: FulfillStatus = "AFTER_SALE_PROCESSING";
const S: FulfillStatus = "AFTER_SALE_SUCCESS";

const EVENTS: readonly ItemEvent[] = [
  "pay",
  "redeem",
  "cancel_redeem",
  "refund_request",
  "refund_approve",
  "refund_close",
  "expire_refund",
];

const st = (voucher: FulfillStatus, execution: FulfillStatus, sub: FulfillStatus): ItemState => ({
  voucher,
  execution,
  sub,
});
const key = (s: ItemState) => `${s.voucher}/${s.execution}/${s.sub}`;

/** The agreeing triples, transcribed from CONTRACT.md section 5. */
const AGREEING: readonly ItemState[] = [
  st(I, I, I),
  st(W, W, W),
  st(W, W, P),
  st(F, F, F),
  st(F, F, P),
  st(S, S, S),
];
const AGREEING_KEYS = new Set(AGREEING.map(key));

/** Every allowed transition; anything not listed here must answer null. */
const TRANSITIONS: readonly [from: ItemState, event: ItemEvent, to: ItemState][] = [
  // payment confirmed: the code becomes usable
  [st(I, I, I), "pay", st(W, W, W)],
  // redemption
  [st(W, W, W), "redeem", st(F, F, F)],
  // a redemption cancelled
  [st(F, F, F), "cancel_redeem", st(W, W, W)],
  // refund requested: only the sub-fulfillment order carries the after-sale
  [st(W, W, W), "refund_request", st(W, W, P)],
  [st(F, F, F), "refund_request", st(F, F, P)],
  // refund approved, before or after use: all refunded
  [st(W, W, P), "refund_approve", st(S, S, S)],
  [st(F, F, P), "refund_approve", st(S, S, S)],
  // refund closed: the sub-fulfillment order returns to the voucher's status
  [st(W, W, P), "refund_close", st(W, W, W)],
  [st(F, F, P), "refund_close", st(F, F, F)],
  // an expired unused voucher refunds itself
  [st(W, W, W), "expire_refund", st(S, S, S)],
];
const EXPECTED = new Map(TRANSITIONS.map(([from, event, to]) => [`${key(from)}:${event}`, to]));

const ALL_TRIPLES: ItemState[] = [];
for (const v of [I, W, F, P, S])
  for (const e of [I, W, F, P, S]) for (const s of [I, W, F, P, S]) ALL_TRIPLES.push(st(v, e, s));

/** TTLS redemption_status of the agreeing states (section 4): 500 in after-sale, 501 refunded, else the voucher's. */
const EXPECTED_REDEMPTION_STATUS: Record<string, number> = {
  [key(st(I, I, I))]: 0,
  [key(st(W, W, W))]: 100,
  [key(st(W, W, P))]: 500,
  [key(st(F, F, F))]: 400,
  [key(st(F, F, P))]: 500,
  [key(st(S, S, S))]: 501,
};

describe("item state: the tables", () => {
  it("the status enum and TTLS numbers are the contract's", () => {
    expect([...STATUSES]).toEqual([I, W, F, P, S]);
    expect(REDEMPTION_STATUS).toEqual({
      INIT: 0,
      WAIT_FULFILL: 100,
      FINISH: 400,
      AFTER_SALE_PROCESSING: 500,
      AFTER_SALE_SUCCESS: 501,
    });
  });

  it("the events are exactly the seven of the machine", () => {
    expect([...ITEM_EVENTS].sort()).toEqual([...EVENTS].sort());
    expect(new Set(ITEM_EVENTS).size).toBe(ITEM_EVENTS.length);
  });

  it("sanity: the hand-written table covers 125 triples and 6 agreeing ones", () => {
    expect(ALL_TRIPLES).toHaveLength(125);
    expect(new Set(ALL_TRIPLES.map(key)).size).toBe(125);
    expect(AGREEING_KEYS.size).toBe(6);
    expect(EXPECTED.size).toBe(TRANSITIONS.length);
  });

  it("agrees() holds for exactly the six agreeing triples", () => {
    const agreeing = ALL_TRIPLES.filter((s) => agrees(s)).map(key);
    expect(agreeing.sort()).toEqual([...AGREEING_KEYS].sort());
  });

  it("every triple × every event: null unless agreeing and listed, else exactly the listed state", () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const state of ALL_TRIPLES) {
      for (const event of EVENTS) {
        checked += 1;
        const expected = EXPECTED.get(`${key(state)}:${event}`) ?? null;
        const actual = nextItemState(state, event);
        const a = actual === null ? "null" : key(actual);
        const e = expected === null ? "null" : key(expected);
        if (a !== e) mismatches.push(`${key(state)} --${event}--> ${a}, expected ${e}`);
      }
    }
    expect(checked).toBe(125 * 7);
    expect(mismatches).toEqual([]);
  });

  it("non-agreeing triples refuse every event", () => {
    for (const state of ALL_TRIPLES.filter((s) => !AGREEING_KEYS.has(key(s)))) {
      for (const event of EVENTS) expect(nextItemState(state, event), `${key(state)} ${event}`).toBeNull();
    }
  });

  it("a transition returns a new object and leaves its input untouched", () => {
    for (const [from, event] of TRANSITIONS) {
      const input = { ...from };
      const frozen = Object.freeze({ ...from });
      const out = nextItemState(frozen, event);
      expect(out).not.toBe(frozen);
      expect(frozen).toEqual(input);
    }
  });

  it("redemption_status of the agreeing states", () => {
    for (const s of AGREEING) {
      expect(REDEMPTION_STATUS[itemRedemptionStatus(s)], key(s)).toBe(EXPECTED_REDEMPTION_STATUS[key(s)]);
    }
  });

  it("redemption_status of every triple: sub-order after-sale wins, else the voucher's status", () => {
    for (const s of ALL_TRIPLES) {
      const expected = s.sub === P ? 500 : s.sub === S ? 501 : REDEMPTION_STATUS[s.voucher];
      expect(REDEMPTION_STATUS[itemRedemptionStatus(s)], key(s)).toBe(expected);
    }
  });

  it("from all-INIT, the reachable states are exactly the six agreeing ones", () => {
    const seen = new Set<string>([key(st(I, I, I))]);
    const queue: ItemState[] = [st(I, I, I)];
    while (queue.length > 0) {
      const s = queue.shift() as ItemState;
      for (const event of EVENTS) {
        const n = nextItemState(s, event);
        if (n && !seen.has(key(n))) {
          seen.add(key(n));
          queue.push(n);
        }
      }
    }
    expect([...seen].sort()).toEqual([...AGREEING_KEYS].sort());
  });
});

describe("item state: properties", () => {
  const events = fc.array(fc.constantFrom(...EVENTS), { maxLength: 80 });

  it("any event sequence from all-INIT only visits agreeing states, and follows the table", () => {
    fc.assert(
      fc.property(events, (sequence) => {
        let state = st(I, I, I);
        for (const event of sequence) {
          const next = nextItemState(state, event);
          const expected = EXPECTED.get(`${key(state)}:${event}`) ?? null;
          expect(next === null ? null : key(next)).toBe(expected === null ? null : key(expected));
          if (next) state = next;
          expect(AGREEING_KEYS.has(key(state))).toBe(true);
          expect(agrees(state)).toBe(true);
          // refund progress lives on the sub-fulfillment order only
          expect(state.voucher).not.toBe(P);
          expect(state.execution).not.toBe(P);
          // the voucher and the execution order always move together
          expect(state.execution).toBe(state.voucher);
          if (state.sub === P) expect(REDEMPTION_STATUS[itemRedemptionStatus(state)]).toBe(500);
          else expect(REDEMPTION_STATUS[itemRedemptionStatus(state)]).not.toBe(500);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("from any triple, an event either is refused or leads from an agreeing state to an agreeing state", () => {
    const status = fc.constantFrom(I, W, F, P, S);
    fc.assert(
      fc.property(status, status, status, fc.constantFrom(...EVENTS), (v, e, s, event) => {
        const next = nextItemState(st(v, e, s), event);
        if (next === null) return;
        expect(AGREEING_KEYS.has(key(st(v, e, s)))).toBe(true);
        expect(AGREEING_KEYS.has(key(next))).toBe(true);
        expect(next.voucher).not.toBe(P);
        expect(next.execution).not.toBe(P);
      }),
      { numRuns: 1000 },
    );
  });

  it("refund_close after refund_request returns to where the item was", () => {
    fc.assert(
      fc.property(fc.constantFrom(st(W, W, W), st(F, F, F)), (start) => {
        const requested = nextItemState(start, "refund_request");
        expect(requested).not.toBeNull();
        expect(nextItemState(requested as ItemState, "refund_close")).toEqual(start);
        // while the after-sale is open, neither redeem nor cancel nor a second request moves it
        for (const event of ["redeem", "cancel_redeem", "refund_request", "expire_refund", "pay"] as const) {
          expect(nextItemState(requested as ItemState, event)).toBeNull();
        }
      }),
    );
  });
});
