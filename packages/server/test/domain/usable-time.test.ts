/**
 * Usable time (weekdays, hours, holidays, windows) and the usage reminder, against an
 * independent oracle: Asia/Jakarta is UTC+7 without DST (since 1964), so its wall clock is
 * plain arithmetic on Unix seconds. A DST zone (America/New_York) is checked against Intl and
 * against the known 2026 transitions.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applicableHolidays,
  type Holiday,
  type HourRange,
  isValidHourRange,
  localTime,
  parseClock,
  ruleVerdict,
  type TimeWindow,
  type UsageRules,
  usableVerdict,
  windowVerdict,
} from "../../src/domain/usable-time.js";
import { usageReminder } from "../../src/domain/usage-reminder.js";

const JKT = "Asia/Jakarta";
const NYC = "America/New_York";
const OFFSET = 7 * 3600;
const DAY = 86_400;
const ALL_WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];

// ---------------------------------------------------------------- the oracle (Jakarta = UTC+7)

interface Local {
  date: string;
  isoWeekday: number;
  secondOfDay: number;
}

function jakarta(unix: number): Local {
  const local = unix + OFFSET;
  const day = Math.floor(local / DAY);
  const d = new Date(day * DAY * 1000);
  return {
    date: d.toISOString().slice(0, 10),
    isoWeekday: ((d.getUTCDay() + 6) % 7) + 1,
    secondOfDay: local - day * DAY,
  };
}

/** Unix time of a Jakarta wall-clock time. */
function jktUnix(date: string, h = 0, m = 0, s = 0): number {
  const [y, mo, d] = date.split("-").map(Number) as [number, number, number];
  return Date.UTC(y, mo - 1, d, h, m, s) / 1000 - OFFSET;
}

/** The date `days` days after 1970-01-01. */
const dateOfDay = (days: number) => new Date(days * DAY * 1000).toISOString().slice(0, 10);
const addDays = (date: string, n: number) =>
  dateOfDay(Math.round(Date.parse(`${date}T00:00:00Z`) / 1000 / DAY) + n);

const hhmmSeconds = (hhmm: string) => Number(hhmm.slice(0, 2)) * 3600 + Number(hhmm.slice(3, 5)) * 60;

/** Whether the weekday/hour/holiday rules allow use at `unix` in Jakarta, computed by hand. */
function oracleRulesAllow(unix: number, rules: UsageRules, holidays: readonly Holiday[]): boolean {
  const l = jakarta(unix);
  if (rules.holidaysUnavailable && holidays.some((h) => h.date === l.date)) return false;
  if (!rules.usableWeekdays.includes(l.isoWeekday)) return false;
  if (rules.usableHours.length === 0) return true;
  return rules.usableHours.some(
    (r) => l.secondOfDay >= hhmmSeconds(r.start) && l.secondOfDay < hhmmSeconds(r.end),
  );
}

function oracleWindow(now: number, w: TimeWindow): "inside" | "before_start" | "expired" {
  if (w.end !== null && now >= w.end) return "expired";
  if (w.start !== null && now < w.start) return "before_start";
  return "inside";
}

function oracleUsable(now: number, w: TimeWindow, rules: UsageRules, holidays: readonly Holiday[]) {
  const v = oracleWindow(now, w);
  if (v === "expired") return "expired";
  if (v === "before_start") return "not_usable";
  return oracleRulesAllow(now, rules, holidays) ? "usable" : "not_usable";
}

// ---------------------------------------------------------------- arbitraries

/** 1970 … 2100. */
const unixTime = fc.integer({ min: 0, max: 4_102_444_799 });
const dayIndex = fc.integer({ min: 0, max: 47_000 }); // 1970 … 2098
const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
const hourRange: fc.Arbitrary<HourRange> = fc
  .integer({ min: 0, max: 1439 })
  .chain((start) =>
    fc.integer({ min: start + 1, max: 1440 }).map((end) => ({ start: hhmm(start), end: hhmm(end) })),
  );
const rulesArb: fc.Arbitrary<UsageRules> = fc.record({
  usableWeekdays: fc.subarray(ALL_WEEKDAYS),
  usableHours: fc.array(hourRange, { maxLength: 3 }),
  holidaysUnavailable: fc.boolean(),
});

/** A moment, a window around it, and holidays near it. */
const scenario = unixTime.chain((now) =>
  fc.record({
    now: fc.constant(now),
    window: fc.record({
      start: fc.option(fc.integer({ min: now - 10 * DAY, max: now + 2 * DAY }), { nil: null }),
      end: fc.option(fc.integer({ min: now - 2 * DAY, max: now + 10 * DAY }), { nil: null }),
    }),
    rules: rulesArb,
    holidays: fc
      .uniqueArray(fc.integer({ min: -12, max: 12 }), { maxLength: 5 })
      .map((offsets) =>
        offsets.map((o, i) => ({ date: addDays(jakarta(now).date, o), name: `Holiday ${i}` })),
      ),
  }),
);

const OFFICE: UsageRules = {
  usableWeekdays: ALL_WEEKDAYS,
  usableHours: [{ start: "08:00", end: "22:00" }],
  holidaysUnavailable: true,
};
const ANY_TIME: UsageRules = { usableWeekdays: ALL_WEEKDAYS, usableHours: [], holidaysUnavailable: true };
const OPEN: TimeWindow = { start: null, end: null };

// ---------------------------------------------------------------- tests

describe("the Jakarta oracle itself", () => {
  it("agrees with known dates", () => {
    // 2026-12-01 10:00 local is 03:00 UTC, a Tuesday
    expect(jakarta(Date.UTC(2026, 11, 1, 3) / 1000)).toEqual({
      date: "2026-12-01",
      isoWeekday: 2,
      secondOfDay: 36_000,
    });
    expect(jktUnix("2026-12-25")).toBe(Date.UTC(2026, 11, 24, 17) / 1000);
    expect(jakarta(jktUnix("2026-12-06", 12)).isoWeekday).toBe(7);
    expect(jakarta(jktUnix("2026-12-07", 12)).isoWeekday).toBe(1);
  });
});

describe("localTime", () => {
  it("in Asia/Jakarta is Unix + 7 h (property)", () => {
    fc.assert(
      fc.property(unixTime, (t) => {
        const o = jakarta(t);
        expect(localTime(t, JKT)).toEqual({
          date: o.date,
          isoWeekday: o.isoWeekday,
          minuteOfDay: Math.floor(o.secondOfDay / 60),
        });
      }),
      { numRuns: 3000 },
    );
  });

  it("the local day boundary: 16:59:59 UTC is still the UTC day, 17:00:00 UTC is the next local day", () => {
    fc.assert(
      fc.property(dayIndex, (d) => {
        const utcDate = dateOfDay(d);
        const boundary = d * DAY + 17 * 3600;
        expect(localTime(boundary - 1, JKT)).toMatchObject({ date: utcDate, minuteOfDay: 1439 });
        expect(localTime(boundary, JKT)).toMatchObject({ date: addDays(utcDate, 1), minuteOfDay: 0 });
      }),
    );
  });

  it("in America/New_York matches Intl's wall clock and weekday (DST zone sanity)", () => {
    const wall = new Intl.DateTimeFormat("sv-SE", {
      timeZone: NYC,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    const weekday = new Intl.DateTimeFormat("en-US", { timeZone: NYC, weekday: "short" });
    const iso: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
    fc.assert(
      fc.property(fc.integer({ min: 946_684_800, max: 2_145_916_800 }), (t) => {
        const [date, time] = wall.format(new Date(t * 1000)).split(" ") as [string, string];
        const [h, m] = time.split(":").map(Number) as [number, number];
        expect(localTime(t, NYC)).toEqual({
          date,
          isoWeekday: iso[weekday.format(new Date(t * 1000))],
          minuteOfDay: h * 60 + m,
        });
      }),
      { numRuns: 2000 },
    );
  });

  it("America/New_York around the 2026 transitions", () => {
    // spring forward 2026-03-08: 01:59 EST → 03:00 EDT at 07:00 UTC
    expect(localTime(Date.UTC(2026, 2, 8, 6, 59, 59) / 1000, NYC)).toEqual({
      date: "2026-03-08",
      isoWeekday: 7,
      minuteOfDay: 1 * 60 + 59,
    });
    expect(localTime(Date.UTC(2026, 2, 8, 7) / 1000, NYC)).toMatchObject({
      date: "2026-03-08",
      minuteOfDay: 180,
    });
    // fall back 2026-11-01: 01:59 EDT → 01:00 EST at 06:00 UTC
    expect(localTime(Date.UTC(2026, 10, 1, 5, 59) / 1000, NYC)).toMatchObject({
      date: "2026-11-01",
      minuteOfDay: 119,
    });
    expect(localTime(Date.UTC(2026, 10, 1, 6) / 1000, NYC)).toMatchObject({
      date: "2026-11-01",
      minuteOfDay: 60,
    });
  });
});

describe("parseClock and hour ranges", () => {
  it("parses HH:MM, accepts 24:00 only as itself", () => {
    expect(parseClock("00:00")).toBe(0);
    expect(parseClock("08:00")).toBe(480);
    expect(parseClock("21:59")).toBe(1319);
    expect(parseClock("24:00")).toBe(1440);
    for (const bad of ["24:01", "25:00", "08:60", "8:00", "0800", "08:00:00", "", "aa:bb"]) {
      expect(parseClock(bad), bad).toBeNull();
    }
  });

  it("a range is valid when start < end; 24:00 is a valid end, never a start", () => {
    expect(isValidHourRange({ start: "08:00", end: "22:00" })).toBe(true);
    expect(isValidHourRange({ start: "20:00", end: "24:00" })).toBe(true);
    expect(isValidHourRange({ start: "00:00", end: "24:00" })).toBe(true);
    expect(isValidHourRange({ start: "22:00", end: "08:00" })).toBe(false);
    expect(isValidHourRange({ start: "08:00", end: "08:00" })).toBe(false);
    expect(isValidHourRange({ start: "24:00", end: "24:00" })).toBe(false);
    expect(isValidHourRange({ start: "08:00", end: "25:00" })).toBe(false);
  });
});

describe("usable hours 08:00–22:00 in Asia/Jakarta (end exclusive)", () => {
  it("edges on any day: 07:59:59 no, 08:00:00 yes, 21:59:59 yes, 22:00:00 no", () => {
    fc.assert(
      fc.property(dayIndex, (d) => {
        const date = dateOfDay(d);
        const at = (h: number, m: number, s: number) => ruleVerdict(jktUnix(date, h, m, s), OFFICE, JKT, []);
        expect(at(0, 0, 0)).toBe("hours");
        expect(at(7, 59, 59)).toBe("hours");
        expect(at(8, 0, 0)).toBe("usable");
        expect(at(21, 59, 59)).toBe("usable");
        expect(at(22, 0, 0)).toBe("hours");
        expect(at(23, 59, 59)).toBe("hours");
      }),
    );
  });

  it("usable exactly when the local second of day is in [08:00, 22:00) (property)", () => {
    fc.assert(
      fc.property(unixTime, (t) => {
        const s = jakarta(t).secondOfDay;
        expect(ruleVerdict(t, OFFICE, JKT, []) === "usable").toBe(s >= 8 * 3600 && s < 22 * 3600);
      }),
      { numRuns: 3000 },
    );
  });

  it("an end of 24:00 runs to the last second of the local day", () => {
    const late: UsageRules = { ...ANY_TIME, usableHours: [{ start: "20:00", end: "24:00" }] };
    const whole: UsageRules = { ...ANY_TIME, usableHours: [{ start: "00:00", end: "24:00" }] };
    fc.assert(
      fc.property(dayIndex, (d) => {
        const date = dateOfDay(d);
        expect(ruleVerdict(jktUnix(date, 19, 59, 59), late, JKT, [])).toBe("hours");
        expect(ruleVerdict(jktUnix(date, 20), late, JKT, [])).toBe("usable");
        expect(ruleVerdict(jktUnix(date, 23, 59, 59), late, JKT, [])).toBe("usable");
        expect(ruleVerdict(jktUnix(date, 24), late, JKT, [])).toBe("hours"); // next day 00:00
      }),
    );
    fc.assert(
      fc.property(unixTime, (t) => {
        expect(ruleVerdict(t, whole, JKT, [])).toBe("usable");
      }),
    );
  });

  it("several ranges: a gap between them is not usable", () => {
    const split: UsageRules = {
      ...ANY_TIME,
      usableHours: [
        { start: "08:00", end: "12:00" },
        { start: "13:00", end: "24:00" },
      ],
    };
    expect(ruleVerdict(jktUnix("2026-12-01", 11, 59, 59), split, JKT, [])).toBe("usable");
    expect(ruleVerdict(jktUnix("2026-12-01", 12), split, JKT, [])).toBe("hours");
    expect(ruleVerdict(jktUnix("2026-12-01", 12, 59, 59), split, JKT, [])).toBe("hours");
    expect(ruleVerdict(jktUnix("2026-12-01", 13), split, JKT, [])).toBe("usable");
  });
});

describe("holidays in Asia/Jakarta: the whole local day", () => {
  it("2026-12-25: 2026-12-24T17:00:00Z is the first holiday second, 16:59:59Z is not", () => {
    const xmas = [{ date: "2026-12-25", name: "Christmas Day" }];
    const first = Date.parse("2026-12-24T17:00:00Z") / 1000;
    expect(ruleVerdict(first - 1, ANY_TIME, JKT, xmas)).toBe("usable");
    expect(ruleVerdict(first, ANY_TIME, JKT, xmas)).toBe("holiday");
    expect(ruleVerdict(first + DAY - 1, ANY_TIME, JKT, xmas)).toBe("holiday");
    expect(ruleVerdict(first + DAY, ANY_TIME, JKT, xmas)).toBe("usable");
  });

  it("any date: 17:00:00 UTC of the day before opens it, 17:00:00 UTC of the day closes it (property)", () => {
    fc.assert(
      fc.property(dayIndex, (d) => {
        const date = dateOfDay(d);
        const holidays = [{ date, name: "H" }];
        const first = d * DAY - OFFSET; // 17:00:00 UTC the day before
        expect(new Date(first * 1000).toISOString()).toBe(`${dateOfDay(d - 1)}T17:00:00.000Z`);
        expect(ruleVerdict(first - 1, ANY_TIME, JKT, holidays)).toBe("usable");
        expect(ruleVerdict(first, ANY_TIME, JKT, holidays)).toBe("holiday");
        expect(ruleVerdict(first + DAY - 1, ANY_TIME, JKT, holidays)).toBe("holiday");
        expect(ruleVerdict(first + DAY, ANY_TIME, JKT, holidays)).toBe("usable");
        // a product that does not exclude holidays ignores them
        expect(ruleVerdict(first, { ...ANY_TIME, holidaysUnavailable: false }, JKT, holidays)).toBe("usable");
      }),
    );
  });
});

describe("weekdays (ISO, 1 = Monday) in Asia/Jakarta", () => {
  it("known days: 2026-12-01 is a Tuesday, 2026-12-06 a Sunday, 2026-12-07 a Monday", () => {
    const only = (d: number): UsageRules => ({
      usableWeekdays: [d],
      usableHours: [],
      holidaysUnavailable: false,
    });
    expect(ruleVerdict(jktUnix("2026-12-01", 10), only(2), JKT, [])).toBe("usable");
    expect(ruleVerdict(jktUnix("2026-12-01", 10), only(1), JKT, [])).toBe("weekday");
    expect(ruleVerdict(jktUnix("2026-12-06", 10), only(7), JKT, [])).toBe("usable");
    expect(ruleVerdict(jktUnix("2026-12-06", 10), only(0), JKT, [])).toBe("weekday");
    expect(ruleVerdict(jktUnix("2026-12-07", 10), only(1), JKT, [])).toBe("usable");
    // Sunday 23:59:59 local (16:59:59 UTC) is not Monday yet; 00:00:00 local is
    expect(ruleVerdict(Date.parse("2026-12-06T16:59:59Z") / 1000, only(1), JKT, [])).toBe("weekday");
    expect(ruleVerdict(Date.parse("2026-12-06T17:00:00Z") / 1000, only(1), JKT, [])).toBe("usable");
  });

  it("usable exactly on the listed local weekdays (property)", () => {
    fc.assert(
      fc.property(unixTime, fc.subarray(ALL_WEEKDAYS), (t, days) => {
        const rules: UsageRules = { usableWeekdays: days, usableHours: [], holidaysUnavailable: false };
        expect(ruleVerdict(t, rules, JKT, [])).toBe(
          days.includes(jakarta(t).isoWeekday) ? "usable" : "weekday",
        );
      }),
      { numRuns: 2000 },
    );
  });
});

describe("windows: half-open [start, end)", () => {
  it("now == end is expired, end - 1 is inside, now < start is before the start, start is inside", () => {
    const w = { start: 1000, end: 2000 };
    expect(windowVerdict(999, w)).toBe("before_start");
    expect(windowVerdict(1000, w)).toBe("inside");
    expect(windowVerdict(1999, w)).toBe("inside");
    expect(windowVerdict(2000, w)).toBe("expired");
    expect(windowVerdict(-1e12, OPEN)).toBe("inside");
    expect(windowVerdict(1e12, OPEN)).toBe("inside");
  });

  it("matches the oracle (property)", () => {
    const bound = fc.option(fc.integer({ min: -50, max: 50 }), { nil: null });
    fc.assert(
      fc.property(fc.integer({ min: -60, max: 60 }), bound, bound, (now, start, end) => {
        expect(windowVerdict(now, { start, end })).toBe(oracleWindow(now, { start, end }));
      }),
      { numRuns: 2000 },
    );
  });

  it("expired wins over not usable; before the start is not usable", () => {
    const xmas = [{ date: "2026-12-25", name: "Christmas Day" }];
    const night = jktUnix("2026-12-25", 23); // a holiday, outside the hours
    expect(usableVerdict(night, { start: null, end: night }, OFFICE, JKT, xmas)).toBe("expired");
    expect(usableVerdict(night, { start: null, end: night + 1 }, OFFICE, JKT, xmas)).toBe("not_usable");
    const noon = jktUnix("2026-12-01", 12);
    expect(usableVerdict(noon, { start: noon + 1, end: null }, OFFICE, JKT, [])).toBe("not_usable");
    expect(usableVerdict(noon, { start: noon, end: noon + 1 }, OFFICE, JKT, [])).toBe("usable");
    expect(usableVerdict(noon, { start: noon - 1, end: noon }, OFFICE, JKT, [])).toBe("expired");
    // a window that starts after it ends: expired still wins
    expect(usableVerdict(noon, { start: noon + 10, end: noon }, OFFICE, JKT, [])).toBe("expired");
  });

  it("usableVerdict matches the oracle for random windows, rules and holidays (property)", () => {
    fc.assert(
      fc.property(scenario, ({ now, window, rules, holidays }) => {
        expect(usableVerdict(now, window, rules, JKT, holidays)).toBe(
          oracleUsable(now, window, rules, holidays),
        );
        expect(ruleVerdict(now, rules, JKT, holidays) === "usable").toBe(
          oracleRulesAllow(now, rules, holidays),
        );
      }),
      { numRuns: 3000 },
    );
  });
});

describe("a DST zone: America/New_York", () => {
  const minutes = (fromUtc: string, toUtc: string) => {
    const out: number[] = [];
    for (let t = Date.parse(fromUtc) / 1000; t < Date.parse(toUtc) / 1000; t += 60) out.push(t);
    return out;
  };
  const hours = (start: string, end: string): UsageRules => ({ ...ANY_TIME, usableHours: [{ start, end }] });

  it("02:00–03:00 does not exist on 2026-03-08; 01:00–02:00 happens twice on 2026-11-01", () => {
    const springDay = minutes("2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"); // the local day: 23 h
    expect(springDay).toHaveLength(23 * 60);
    expect(
      springDay.filter((t) => ruleVerdict(t, hours("02:00", "03:00"), NYC, []) === "usable"),
    ).toHaveLength(0);
    expect(
      springDay.filter((t) => ruleVerdict(t, hours("01:00", "02:00"), NYC, []) === "usable"),
    ).toHaveLength(60);
    const fallDay = minutes("2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z"); // 25 h
    expect(fallDay).toHaveLength(25 * 60);
    expect(fallDay.filter((t) => ruleVerdict(t, hours("01:00", "02:00"), NYC, []) === "usable")).toHaveLength(
      120,
    );
    expect(fallDay.filter((t) => ruleVerdict(t, hours("08:00", "22:00"), NYC, []) === "usable")).toHaveLength(
      14 * 60,
    );
  });

  it("a holiday on the spring-forward day lasts 23 hours, from 05:00Z to 04:00Z", () => {
    const h = [{ date: "2026-03-08", name: "DST day" }];
    const first = Date.parse("2026-03-08T05:00:00Z") / 1000;
    const next = Date.parse("2026-03-09T04:00:00Z") / 1000;
    expect(ruleVerdict(first - 1, ANY_TIME, NYC, h)).toBe("usable");
    expect(ruleVerdict(first, ANY_TIME, NYC, h)).toBe("holiday");
    expect(ruleVerdict(next - 1, ANY_TIME, NYC, h)).toBe("holiday");
    expect(ruleVerdict(next, ANY_TIME, NYC, h)).toBe("usable");
    expect(next - first).toBe(23 * 3600);
  });

  it("an end at local midnight excludes that day's holiday, across the DST change", () => {
    const h = [
      { date: "2026-03-08", name: "A" },
      { date: "2026-03-09", name: "B" },
    ];
    const midnight9 = Date.parse("2026-03-09T04:00:00Z") / 1000; // EDT
    expect(applicableHolidays(ANY_TIME, { start: null, end: midnight9 }, NYC, h).map((x) => x.name)).toEqual([
      "A",
    ]);
    expect(
      applicableHolidays(ANY_TIME, { start: null, end: midnight9 + 1 }, NYC, h).map((x) => x.name),
    ).toEqual(["A", "B"]);
  });
});

describe("applicableHolidays", () => {
  const H = [
    { date: "2026-12-26", name: "Boxing Day" },
    { date: "2026-12-24", name: "Christmas Eve" },
    { date: "2026-12-25", name: "Christmas Day" },
  ];

  it("none when the product does not exclude holidays", () => {
    expect(applicableHolidays({ ...ANY_TIME, holidaysUnavailable: false }, OPEN, JKT, H)).toEqual([]);
  });

  it("an open window takes all, sorted by date", () => {
    expect(applicableHolidays(ANY_TIME, OPEN, JKT, H).map((h) => h.date)).toEqual([
      "2026-12-24",
      "2026-12-25",
      "2026-12-26",
    ]);
  });

  it("window edges at local midnight: start includes its day, end excludes its day", () => {
    const m25 = jktUnix("2026-12-25");
    const m26 = jktUnix("2026-12-26");
    const dates = (w: TimeWindow) => applicableHolidays(ANY_TIME, w, JKT, H).map((h) => h.date);
    expect(dates({ start: m25, end: m26 })).toEqual(["2026-12-25"]);
    expect(dates({ start: m25 - 1, end: m26 })).toEqual(["2026-12-24", "2026-12-25"]);
    expect(dates({ start: m25, end: m26 + 1 })).toEqual(["2026-12-25", "2026-12-26"]);
    expect(dates({ start: m25 + 3600, end: m25 + 7200 })).toEqual(["2026-12-25"]);
    expect(dates({ start: m26 + DAY, end: null })).toEqual([]);
  });
});

describe("usageReminder", () => {
  const hasHolidayInWindow = (window: TimeWindow, rules: UsageRules, holidays: readonly Holiday[]) => {
    if (!rules.holidaysUnavailable) return false;
    const from = window.start === null ? null : jakarta(window.start).date;
    const to = window.end === null ? null : jakarta(window.end - 1).date;
    return holidays.some((h) => (from === null || h.date >= from) && (to === null || h.date <= to));
  };

  it("a use_time entry always; a cannot_use_date entry only for holidays in the window; enable = now unavailable (property)", () => {
    fc.assert(
      fc.property(
        scenario,
        fc.constantFrom("en-US", "id-ID", "fr-FR"),
        ({ now, window, rules, holidays }, locale) => {
          const r = usageReminder(now, window, rules, JKT, holidays, locale);
          expect(r.content_list[0]?.type).toBe("use_time");
          expect(r.content_list[0]?.title.length).toBeGreaterThan(0);
          const expectHolidays = hasHolidayInWindow(window, rules, holidays);
          expect(r.content_list.map((e) => e.type)).toEqual(
            expectHolidays ? ["use_time", "cannot_use_date"] : ["use_time"],
          );
          if (expectHolidays) {
            const listed = r.content_list[1]?.contents.join("\n") ?? "";
            for (const h of applicableHolidays(rules, window, JKT, holidays))
              expect(listed).toContain(h.date);
          }
          expect(r.enable).toBe(!oracleRulesAllow(now, rules, holidays));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("the office product: enable flips at 08:00 and 22:00 local, and on the holiday", () => {
    const xmas = [{ date: "2026-12-25", name: "Christmas Day" }];
    const w = { start: jktUnix("2026-12-01"), end: jktUnix("2027-01-01") };
    const at = (t: number) => usageReminder(t, w, OFFICE, JKT, xmas, "en-US");
    expect(at(jktUnix("2026-12-02", 7, 59, 59)).enable).toBe(true);
    expect(at(jktUnix("2026-12-02", 8)).enable).toBe(false);
    expect(at(jktUnix("2026-12-02", 21, 59, 59)).enable).toBe(false);
    expect(at(jktUnix("2026-12-02", 22)).enable).toBe(true);
    expect(at(jktUnix("2026-12-25", 12)).enable).toBe(true);
    const r = at(jktUnix("2026-12-02", 12));
    expect(r.content_list.map((e) => e.type)).toEqual(["use_time", "cannot_use_date"]);
    expect(r.content_list[0]?.contents.join(" ")).toContain("08:00");
    expect(r.content_list[0]?.contents.join(" ")).toContain("22:00");
    expect(r.content_list[1]?.contents.join(" ")).toContain("2026-12-25");
    expect(r.content_list[1]?.contents.join(" ")).toContain("Christmas Day");
    // the same product, holidays not excluded: no cannot_use_date entry, no holiday enable
    const free = { ...OFFICE, holidaysUnavailable: false };
    const r2 = usageReminder(jktUnix("2026-12-25", 12), w, free, JKT, xmas, "en-US");
    expect(r2.content_list.map((e) => e.type)).toEqual(["use_time"]);
    expect(r2.enable).toBe(false);
    // a holiday outside the window is not listed
    const r3 = usageReminder(
      jktUnix("2026-12-02", 12),
      { start: w.start, end: jktUnix("2026-12-25") },
      OFFICE,
      JKT,
      xmas,
      "en",
    );
    expect(r3.content_list.map((e) => e.type)).toEqual(["use_time"]);
  });

  it("id-ID words differ from en; an unknown locale falls back to en", () => {
    const rules: UsageRules = { usableWeekdays: [1, 3], usableHours: [], holidaysUnavailable: true };
    const xmas = [{ date: "2026-12-25", name: "Christmas Day" }];
    const t = jktUnix("2026-12-02", 12);
    const en = usageReminder(t, OPEN, rules, JKT, xmas, "en-US");
    const id = usageReminder(t, OPEN, rules, JKT, xmas, "id-ID");
    const fr = usageReminder(t, OPEN, rules, JKT, xmas, "fr-FR");
    expect(id.content_list.map((e) => e.type)).toEqual(en.content_list.map((e) => e.type));
    expect(id.enable).toBe(en.enable);
    for (let i = 0; i < en.content_list.length; i++) {
      expect(id.content_list[i]?.title).not.toBe(en.content_list[i]?.title);
    }
    // weekday names and "all day" are translated
    expect(id.content_list[0]?.contents).not.toEqual(en.content_list[0]?.contents);
    const allDayEn = usageReminder(t, OPEN, ANY_TIME, JKT, [], "en-US").content_list[0]?.contents;
    const allDayId = usageReminder(t, OPEN, ANY_TIME, JKT, [], "id-ID").content_list[0]?.contents;
    expect(allDayId).not.toEqual(allDayEn);
    expect(fr).toEqual(en);
  });

  it("different weekday sets read differently", () => {
    const t = jktUnix("2026-12-02", 12);
    const text = (days: number[]) =>
      usageReminder(t, OPEN, { ...ANY_TIME, usableWeekdays: days }, JKT, [], "en-US").content_list[0]
        ?.contents;
    expect(text([6, 7])).not.toEqual(text(ALL_WEEKDAYS));
    expect(text([6, 7])).not.toEqual(text([1, 2]));
    expect(text([7, 6])).toEqual(text([6, 7]));
  });
});
