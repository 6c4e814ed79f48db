/**
 * The reminder shown with a code (TTLS `code_cannot_use_date`): every rule of the code, and
 * whether now falls in an unavailable time. A reminder, never an error.
 */
import {
  applicableHolidays,
  type Holiday,
  ruleVerdict,
  type TimeWindow,
  type UsageRules,
} from "./usable-time.js";

export interface ReminderEntry {
  readonly type: "use_time" | "cannot_use_date";
  readonly title: string;
  readonly contents: string[];
}

export interface UsageReminder {
  readonly enable: boolean;
  readonly content_list: ReminderEntry[];
}

interface Words {
  useTime: string;
  cannotUseDate: string;
  days: string[];
  allDay: string;
  everyDay: string;
}

const WORDS: Record<string, Words> = {
  en: {
    useTime: "Usable time",
    cannotUseDate: "Unavailable dates",
    days: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    allDay: "All day",
    everyDay: "Every day",
  },
  id: {
    useTime: "Waktu penggunaan",
    cannotUseDate: "Tanggal tidak berlaku",
    days: ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"],
    allDay: "Sepanjang hari",
    everyDay: "Setiap hari",
  },
};

function wordsFor(locale: string): Words {
  return WORDS[locale.slice(0, 2).toLowerCase()] ?? (WORDS.en as Words);
}

export function usageReminder(
  now: number,
  window: TimeWindow,
  rules: UsageRules,
  timeZone: string,
  holidays: readonly Holiday[],
  locale: string,
): UsageReminder {
  const w = wordsFor(locale);
  const weekdays = [...new Set(rules.usableWeekdays)].sort((a, b) => a - b);
  const dayText = weekdays.length === 7 ? w.everyDay : weekdays.map((d) => w.days[d - 1]).join(", ");
  const hourText =
    rules.usableHours.length === 0 ? [w.allDay] : rules.usableHours.map((r) => `${r.start}-${r.end}`);
  const content_list: ReminderEntry[] = [
    { type: "use_time", title: w.useTime, contents: [dayText, ...hourText] },
  ];
  const dates = applicableHolidays(rules, window, timeZone, holidays);
  if (dates.length > 0) {
    content_list.push({
      type: "cannot_use_date",
      title: w.cannotUseDate,
      contents: dates.map((h) => `${h.date} ${h.name}`),
    });
  }
  return { enable: ruleVerdict(now, rules, timeZone, holidays) !== "usable", content_list };
}
