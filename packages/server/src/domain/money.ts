/** Money: integer minor units inside, a decimal string in the major unit on the wire. */

/** ISO 4217 minor units of the currencies that do not have two (CONTRACT.md section 1). */
const ZERO_DECIMALS = new Set(
  "IDR JPY KRW VND BIF CLP DJF GNF ISK KMF PYG RWF UGX UYI VUV XAF XOF XPF".split(" "),
);
const THREE_DECIMALS = new Set(["BHD", "JOD", "KWD", "OMR", "TND", "IQD", "LYD"]);
const FOUR_DECIMALS = new Set(["CLF", "UYW"]);

export function currencyDecimals(currency: string): number {
  const c = currency.toUpperCase();
  if (ZERO_DECIMALS.has(c)) return 0;
  if (THREE_DECIMALS.has(c)) return 3;
  if (FOUR_DECIMALS.has(c)) return 4;
  return 2;
}

/** Minor units (bigint-safe string or number) → "99000" / "12.50". */
export function formatMinor(minor: bigint | number | string, currency: string): string {
  const value = BigInt(minor);
  const decimals = currencyDecimals(currency);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, "0");
  const whole = decimals === 0 ? digits : digits.slice(0, -decimals);
  const frac = decimals === 0 ? "" : `.${digits.slice(-decimals)}`;
  return `${negative ? "-" : ""}${whole}${frac}`;
}

/** "99000" / "12.50" / "12.5" → minor units; null when not a valid amount for the currency. */
export function parseMajor(amount: string, currency: string): bigint | null {
  const decimals = currencyDecimals(currency);
  const m = /^(\d{1,18})(?:\.(\d+))?$/.exec(amount);
  if (!m) return null;
  const frac = m[2] ?? "";
  if (frac.length > decimals) return null;
  return BigInt(m[1] as string) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0");
}
