/**
 * When a code may be used. Pure: the caller passes "now" from the business clock, the
 * merchant's timezone and the holidays of the merchant's country.
 *
 * Windows are half-open [start, end): a code is expired from its end second on. Usable hours
 * are local wall-clock ranges, `end` exclusive and possibly "24:00". A holiday covers its
 * whole local day, from local midnight to the next.
 */

export interface HourRange {
  readonly start: string; // "HH:MM"
  readonly end: string; // "HH:MM", exclusive, may be "24:00"
}

export interface UsageRules {
  /** ISO weekdays 1 (Monday) … 7 (Sunday); empty means none. */
  readonly usableWeekdays: readonly number[];
  /** Empty means all day. */
  readonly usableHours: readonly HourRange[];
  readonly holidaysUnavailable: boolean;
}

export interface Holiday {
  readonly date: string; // YYYY-MM-DD, local to the merchant's country
  readonly name: string;
}

export interface TimeWindow {
  readonly start: number | null;
  readonly end: number | null;
}

export interface LocalTime {
  readonly date: string; // YYYY-MM-DD
  readonly isoWeekday: number; // 1..7
  readonly minuteOfDay: number; // 0..1439
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock date, ISO weekday and minute of day of a Unix time in a timezone. */
/** The last answer per time zone: under load many requests ask about the same second. */
const lastLocalTime = new Map<string, { at: number; local: LocalTime }>();

export function localTime(unixSeconds: number, timeZone: string): LocalTime {
  const last = lastLocalTime.get(timeZone);
  if (last && last.at === unixSeconds) return last.local;
  const local = computeLocalTime(unixSeconds, timeZone);
  if (lastLocalTime.size > 1000) lastLocalTime.clear();
  lastLocalTime.set(timeZone, { at: unixSeconds, local });
  return local;
}

function computeLocalTime(unixSeconds: number, timeZone: string): LocalTime {
  const parts = formatterFor(timeZone).formatToParts(new Date(unixSeconds * 1000));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const year = get("year");
  const month = get("month");
  const day = get("day");
  const hour = get("hour") % 24;
  const minute = get("minute");
  const sundayZero = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  const date = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  return { date, isoWeekday: sundayZero === 0 ? 7 : sundayZero, minuteOfDay: hour * 60 + minute };
}

export function parseClock(hhmm: string): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return null;
  return h * 60 + min;
}

export function isValidHourRange(r: HourRange): boolean {
  const s = parseClock(r.start);
  const e = parseClock(r.end);
  return s !== null && e !== null && s < e && s < 1440;
}

export type WindowVerdict = "inside" | "before_start" | "expired";

export function windowVerdict(now: number, window: TimeWindow): WindowVerdict {
  if (window.end !== null && now >= window.end) return "expired";
  if (window.start !== null && now < window.start) return "before_start";
  return "inside";
}

export type RuleVerdict = "usable" | "weekday" | "hours" | "holiday";

/** Whether the weekday/hour/holiday rules allow use at `now` (the window is checked apart). */
export function ruleVerdict(
  now: number,
  rules: UsageRules,
  timeZone: string,
  holidays: readonly Holiday[],
): RuleVerdict {
  const local = localTime(now, timeZone);
  if (rules.holidaysUnavailable && holidays.some((h) => h.date === local.date)) return "holiday";
  if (!rules.usableWeekdays.includes(local.isoWeekday)) return "weekday";
  if (rules.usableHours.length > 0) {
    const inside = rules.usableHours.some((r) => {
      const s = parseClock(r.start);
      const e = parseClock(r.end);
      return s !== null && e !== null && local.minuteOfDay >= s && local.minuteOfDay < e;
    });
    if (!inside) return "hours";
  }
  return "usable";
}

export type UsableVerdict = "usable" | "expired" | "not_usable";

/**
 * The verdict the redeem checks need: expired wins over not-usable (CONTRACT.md section 5
 * precedence); before the start, or outside the weekday/hour/holiday rules, is not usable.
 */
export function usableVerdict(
  now: number,
  window: TimeWindow,
  rules: UsageRules,
  timeZone: string,
  holidays: readonly Holiday[],
): UsableVerdict {
  const w = windowVerdict(now, window);
  if (w === "expired") return "expired";
  if (w === "before_start") return "not_usable";
  return ruleVerdict(now, rules, timeZone, holidays) === "usable" ? "usable" : "not_usable";
}

/** The holidays that matter for a code: those of its country inside its window, when the product excludes holidays. */
export function applicableHolidays(
  rules: UsageRules,
  window: TimeWindow,
  timeZone: string,
  holidays: readonly Holiday[],
): Holiday[] {
  if (!rules.holidaysUnavailable) return [];
  const from = window.start !== null ? localTime(window.start, timeZone).date : "0000-00-00";
  const to = window.end !== null ? localTime(window.end - 1, timeZone).date : "9999-99-99";
  return holidays.filter((h) => h.date >= from && h.date <= to).sort((a, b) => a.date.localeCompare(b.date));
}
