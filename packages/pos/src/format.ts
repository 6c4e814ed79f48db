/** Money, times and codes as people read them, in the merchant's time zone. */

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let f = cache.get(key) as T | undefined;
  if (!f) {
    f = make();
    cache.set(key, f);
  }
  return f;
}

/** "99000" IDR → "Rp 99.000" (id-ID) or "IDR 99,000" (en-US). Amounts are decimal strings. */
export function money(amount: string, currency: string, locale: string): string {
  const n = Number(amount);
  if (!Number.isFinite(n)) return `${amount} ${currency}`;
  try {
    const decimals = amount.includes(".") ? (amount.split(".")[1] ?? "").length : 0;
    const f = cached(
      `m|${locale}|${currency}|${decimals}`,
      () =>
        new Intl.NumberFormat(locale, {
          style: "currency",
          currency,
          minimumFractionDigits: decimals,
          maximumFractionDigits: decimals,
        }),
    );
    return f.format(n);
  } catch {
    return `${amount} ${currency}`;
  }
}

function dtf(locale: string, timeZone: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return cached(`d|${locale}|${timeZone}|${JSON.stringify(opts)}`, () => {
    try {
      return new Intl.DateTimeFormat(locale, { timeZone, ...opts });
    } catch {
      return new Intl.DateTimeFormat(locale, opts);
    }
  });
}

/** "14:02" */
export function clockTime(unix: number, locale: string, timeZone: string): string {
  return dtf(locale, timeZone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(
    new Date(unix * 1000),
  );
}

/** "1 Dec 2026" */
export function day(unix: number, locale: string, timeZone: string): string {
  return dtf(locale, timeZone, { day: "numeric", month: "short", year: "numeric" }).format(
    new Date(unix * 1000),
  );
}

/** "1 Dec, 14:02" */
export function dayTime(unix: number, locale: string, timeZone: string): string {
  return dtf(locale, timeZone, {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(unix * 1000));
}

/** "1234 5678 9012" */
export const groupCode = (code: string) => code.replace(/(\d{4})(?=\d)/g, "$1 ");

/** "•••• •••• 9012": history lists do not show whole codes. */
export const maskCode = (code: string) => (code.length > 4 ? `•••• •••• ${code.slice(-4)}` : code);
