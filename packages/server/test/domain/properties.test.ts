/**
 * Property tests of the pure rules: the three state machines only ever visit agreeing states,
 * and usable time honours windows, weekdays, hours and holidays in the merchant's timezone
 * (Asia/Jakarta, UTC+7 without daylight saving, is the oracle: local = unix + 7 h).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  agrees,
  ITEM_EVENTS,
  type ItemState,
  itemRedemptionStatus,
  nextItemState,
} from "../../src/domain/item-state.js";
import { STATUSES } from "../../src/domain/status.js";
import { localTime, ruleVerdict, usableVerdict } from "../../src/domain/usable-time.js";

const INIT: ItemState = { voucher: "INIT", execution: "INIT", sub: "INIT" };
const triples = STATUSES.flatMap((voucher) =>
  STATUSES.flatMap((execution) => STATUSES.map((sub) => ({ voucher, execution, sub }))),
);

describe("the item state machines", () => {
  it("agreeing states are exactly the contract's list", () => {
    const expected = new Set([
      "INIT/INIT/INIT",
      "WAIT_FULFILL/WAIT_FULFILL/WAIT_FULFILL",
      "WAIT_FULFILL/WAIT_FULFILL/AFTER_SALE_PROCESSING",
      "FINISH/FINISH/FINISH",
      "FINISH/FINISH/AFTER_SALE_PROCESSING",
      "AFTER_SALE_SUCCESS/AFTER_SALE_SUCCESS/AFTER_SALE_SUCCESS",
    ]);
    for (const t of triples)
      expect(agrees(t), `${t.voucher}/${t.execution}/${t.sub}`).toBe(
        expected.has(`${t.voucher}/${t.execution}/${t.sub}`),
      );
  });

  it("no event moves an item out of a disagreeing state", () => {
    for (const t of triples.filter((x) => !agrees(x)))
      for (const e of ITEM_EVENTS) expect(nextItemState(t, e)).toBeNull();
  });

  it("the transitions of the contract, and no others", () => {
    const W: ItemState = { voucher: "WAIT_FULFILL", execution: "WAIT_FULFILL", sub: "WAIT_FULFILL" };
    const F: ItemState = { voucher: "FINISH", execution: "FINISH", sub: "FINISH" };
    const S: ItemState = {
      voucher: "AFTER_SALE_SUCCESS",
      execution: "AFTER_SALE_SUCCESS",
      sub: "AFTER_SALE_SUCCESS",
    };
    const WP: ItemState = { ...W, sub: "AFTER_SALE_PROCESSING" };
    const FP: ItemState = { ...F, sub: "AFTER_SALE_PROCESSING" };
    const table: [ItemState, string, ItemState | null][] = [
      [INIT, "pay", W],
      [W, "redeem", F],
      [F, "cancel_redeem", W],
      [W, "refund_request", WP],
      [F, "refund_request", FP],
      [WP, "refund_approve", S],
      [FP, "refund_approve", S],
      [WP, "refund_close", W],
      [FP, "refund_close", F],
      [W, "expire_refund", S],
      [WP, "redeem", null],
      [FP, "cancel_redeem", null],
      [F, "redeem", null],
      [S, "refund_request", null],
      [INIT, "redeem", null],
      [F, "expire_refund", null],
    ];
    for (const [from, event, to] of table)
      expect(
        nextItemState(from, event as (typeof ITEM_EVENTS)[number]),
        `${JSON.stringify(from)} ${event}`,
      ).toEqual(to);
  });

  it("any sequence of events from INIT visits only agreeing states; refund progress lives on the sub-order", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ITEM_EVENTS), { maxLength: 40 }), (events) => {
        let state = INIT;
        for (const e of events) {
          const next = nextItemState(state, e);
          if (next === null) continue;
          expect(agrees(next)).toBe(true);
          expect(next.voucher).not.toBe("AFTER_SALE_PROCESSING");
          expect(next.execution).not.toBe("AFTER_SALE_PROCESSING");
          if (next.sub === "AFTER_SALE_PROCESSING")
            expect(itemRedemptionStatus(next)).toBe("AFTER_SALE_PROCESSING");
          state = next;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

const JAKARTA = "Asia/Jakarta";
const OFFSET = 7 * 3600;
/** The oracle: Jakarta wall clock by arithmetic. */
function jakarta(unix: number) {
  const d = new Date((unix + OFFSET) * 1000);
  const weekday = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
  return { date: d.toISOString().slice(0, 10), weekday, minute: d.getUTCHours() * 60 + d.getUTCMinutes() };
}
const time = fc.integer({ min: 1_700_000_000, max: 1_900_000_000 });
const rules = {
  usableWeekdays: [1, 2, 3, 4, 5, 6, 7],
  usableHours: [{ start: "08:00", end: "22:00" }],
  holidaysUnavailable: true,
};
const HOLIDAY = { date: "2026-12-25", name: "Christmas Day" };

describe("usable time in the merchant's timezone", () => {
  it("local time agrees with the UTC+7 oracle", () => {
    fc.assert(
      fc.property(time, (t) => {
        const local = localTime(t, JAKARTA);
        const oracle = jakarta(t);
        expect([local.date, local.isoWeekday, local.minuteOfDay]).toEqual([
          oracle.date,
          oracle.weekday,
          oracle.minute,
        ]);
      }),
      { numRuns: 3000 },
    );
  });

  it("08:00–22:00 with holidays: usable exactly inside the hours on a non-holiday", () => {
    fc.assert(
      fc.property(time, (t) => {
        const o = jakarta(t);
        const expected =
          o.date === HOLIDAY.date ? "holiday" : o.minute >= 480 && o.minute < 1320 ? "usable" : "hours";
        expect(ruleVerdict(t, rules, JAKARTA, [HOLIDAY])).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it("the edges: 07:59:59, 08:00:00, 21:59:59, 22:00:00 local; the holiday from local midnight", () => {
    const day = Date.UTC(2026, 11, 1) / 1000 - OFFSET; // 2026-12-01 00:00 in Jakarta
    expect(ruleVerdict(day + 8 * 3600 - 1, rules, JAKARTA, [])).toBe("hours");
    expect(ruleVerdict(day + 8 * 3600, rules, JAKARTA, [])).toBe("usable");
    expect(ruleVerdict(day + 22 * 3600 - 1, rules, JAKARTA, [])).toBe("usable");
    expect(ruleVerdict(day + 22 * 3600, rules, JAKARTA, [])).toBe("hours");
    const christmas = Date.UTC(2026, 11, 25) / 1000 - OFFSET; // 2026-12-24 17:00:00 UTC
    const allDay = { ...rules, usableHours: [] };
    expect(ruleVerdict(christmas - 1 - 10 * 3600, rules, JAKARTA, [HOLIDAY])).toBe("usable"); // 24th, 13:59:59 local
    expect(ruleVerdict(christmas - 1, allDay, JAKARTA, [HOLIDAY])).toBe("usable"); // 23:59:59 on the 24th
    expect(ruleVerdict(christmas, allDay, JAKARTA, [HOLIDAY])).toBe("holiday"); // 00:00:00 on the 25th
    expect(ruleVerdict(christmas + 86400 - 1, allDay, JAKARTA, [HOLIDAY])).toBe("holiday");
    expect(ruleVerdict(christmas + 86400, allDay, JAKARTA, [HOLIDAY])).toBe("usable");
  });

  it("weekdays are ISO (1 = Monday) in local time", () => {
    fc.assert(
      fc.property(time, fc.subarray([1, 2, 3, 4, 5, 6, 7]), (t, days) => {
        const verdict = ruleVerdict(
          t,
          { usableWeekdays: days, usableHours: [], holidaysUnavailable: false },
          JAKARTA,
          [],
        );
        expect(verdict).toBe(days.includes(jakarta(t).weekday) ? "usable" : "weekday");
      }),
      { numRuns: 2000 },
    );
  });

  it("windows are half-open; expired wins over not usable", () => {
    fc.assert(
      fc.property(
        time,
        fc.integer({ min: -100_000, max: 100_000 }),
        fc.integer({ min: 1, max: 200_000 }),
        (t, startOffset, length) => {
          const window = { start: t + startOffset, end: t + startOffset + length };
          const never = { usableWeekdays: [], usableHours: [], holidaysUnavailable: false };
          const v = usableVerdict(t, window, never, JAKARTA, []);
          if (t >= window.end) expect(v).toBe("expired");
          else expect(v).toBe("not_usable");
          const always = {
            usableWeekdays: [1, 2, 3, 4, 5, 6, 7],
            usableHours: [],
            holidaysUnavailable: false,
          };
          const w = usableVerdict(t, window, always, JAKARTA, []);
          expect(w).toBe(t >= window.end ? "expired" : t < window.start ? "not_usable" : "usable");
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("a timezone with daylight saving follows Intl (America/New_York)", () => {
    fc.assert(
      fc.property(time, (t) => {
        const local = localTime(t, "America/New_York");
        const parts = new Intl.DateTimeFormat("en-CA", {
          timeZone: "America/New_York",
          year: "numeric",
          month: "2-digit",
          day: "2-digit",
        }).format(new Date(t * 1000));
        expect(local.date).toBe(parts);
      }),
      { numRuns: 500 },
    );
  });
});
