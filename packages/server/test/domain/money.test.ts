/**
 * Money (CONTRACT.md section 1): integer minor units inside, a decimal string in the major unit
 * on the wire, with the currency's ISO 4217 number of decimals.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { currencyDecimals, formatMinor, parseMajor } from "../../src/domain/money.js";

/** ISO 4217 minor units, transcribed here (the contract: listed ones, then "their ISO 4217 digits"). */
const ISO_DIGITS: Record<string, number> = {
  // named by the contract
  IDR: 0,
  JPY: 0,
  KRW: 0,
  VND: 0,
  USD: 2,
  EUR: 2,
  SGD: 2,
  MYR: 2,
  THB: 2,
  PHP: 2,
  GBP: 2,
  AUD: 2,
  // the other zero-decimal currencies of ISO 4217
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  KMF: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  // three decimals
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  // four decimals
  CLF: 4,
  UYW: 4,
  // some two-decimal ones
  CNY: 2,
  HKD: 2,
  INR: 2,
  CAD: 2,
  HUF: 2,
  TWD: 2,
};

const currency = fc.constantFrom(...Object.keys(ISO_DIGITS));

describe("currencyDecimals", () => {
  it("is ISO 4217's number of decimals", () => {
    for (const [c, d] of Object.entries(ISO_DIGITS)) expect(currencyDecimals(c), c).toBe(d);
  });

  it("ignores case", () => {
    expect(currencyDecimals("idr")).toBe(0);
    expect(currencyDecimals("usd")).toBe(2);
    expect(currencyDecimals("Kwd")).toBe(3);
  });
});

describe("formatMinor", () => {
  it("IDR has no decimals, USD two", () => {
    expect(formatMinor(99000n, "IDR")).toBe("99000");
    expect(formatMinor(150000, "IDR")).toBe("150000");
    expect(formatMinor("99000", "IDR")).toBe("99000");
    expect(formatMinor(0, "IDR")).toBe("0");
    expect(formatMinor(1250n, "USD")).toBe("12.50");
    expect(formatMinor(1205, "USD")).toBe("12.05");
    expect(formatMinor(5, "USD")).toBe("0.05");
    expect(formatMinor(0, "USD")).toBe("0.00");
    expect(formatMinor(100, "usd")).toBe("1.00");
    expect(formatMinor(1234, "KWD")).toBe("1.234");
    expect(formatMinor(7, "KWD")).toBe("0.007");
    expect(formatMinor(12345, "CLF")).toBe("1.2345");
  });

  it("keeps every digit of amounts beyond a double's precision", () => {
    expect(formatMinor("900719925474099312", "IDR")).toBe("900719925474099312");
    expect(formatMinor(900719925474099312n, "USD")).toBe("9007199254740993.12");
  });

  it("writes negative amounts with a leading minus", () => {
    expect(formatMinor(-1250n, "USD")).toBe("-12.50");
    expect(formatMinor(-5n, "USD")).toBe("-0.05");
    expect(formatMinor(-99000n, "IDR")).toBe("-99000");
  });

  it("writes exactly the currency's number of decimals (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), currency, (minor, c) => {
        const s = formatMinor(minor, c);
        const d = ISO_DIGITS[c] as number;
        expect(s).toMatch(d === 0 ? /^(0|[1-9]\d*)$/ : new RegExp(`^(0|[1-9]\\d*)\\.\\d{${d}}$`));
        expect(BigInt(s.replace(".", ""))).toBe(minor);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("parseMajor", () => {
  it("reads whole and decimal amounts into minor units", () => {
    expect(parseMajor("99000", "IDR")).toBe(99000n);
    expect(parseMajor("0", "IDR")).toBe(0n);
    expect(parseMajor("12.50", "USD")).toBe(1250n);
    expect(parseMajor("12.5", "USD")).toBe(1250n);
    expect(parseMajor("12", "USD")).toBe(1200n);
    expect(parseMajor("0.05", "USD")).toBe(5n);
    expect(parseMajor("1.234", "KWD")).toBe(1234n);
    expect(parseMajor("999999999999999999", "IDR")).toBe(999999999999999999n);
  });

  it("rejects more decimals than the currency has", () => {
    expect(parseMajor("99000.5", "IDR")).toBeNull();
    expect(parseMajor("99000.0", "IDR")).toBeNull();
    expect(parseMajor("12.505", "USD")).toBeNull();
    expect(parseMajor("12.500", "USD")).toBeNull();
    expect(parseMajor("1.2345", "KWD")).toBeNull();
  });

  it("rejects what is not a plain non-negative decimal", () => {
    for (const bad of [
      "",
      "-1",
      "+1",
      "1e3",
      " 12",
      "12 ",
      ".5",
      "12.",
      "1,000",
      "12.5.0",
      "0x10",
      "１２",
      "NaN",
    ]) {
      expect(parseMajor(bad, "USD"), JSON.stringify(bad)).toBeNull();
    }
  });

  it("rejects too many decimals for any currency (property)", () => {
    fc.assert(
      fc.property(currency, fc.nat({ max: 10 ** 9 }), fc.integer({ min: 1, max: 4 }), (c, whole, extra) => {
        const d = ISO_DIGITS[c] as number;
        const frac = "1".repeat(d + extra);
        expect(parseMajor(`${whole}.${frac}`, c)).toBeNull();
      }),
    );
  });
});

describe("round trips", () => {
  it("parseMajor(formatMinor(m)) === m (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }), currency, (minor, c) => {
        expect(parseMajor(formatMinor(minor, c), c)).toBe(minor);
      }),
      { numRuns: 3000 },
    );
  });

  it("formatMinor(parseMajor(s)) is s normalised: no leading zeros, every decimal written (property)", () => {
    const digits = (min: number, max: number) =>
      fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: min, maxLength: max });
    fc.assert(
      fc.property(
        currency.chain((c) =>
          fc.tuple(
            fc.constant(c),
            digits(1, 18),
            fc.option(digits(1, Math.max(1, ISO_DIGITS[c] as number)), { nil: undefined }),
          ),
        ),
        ([c, whole, frac]) => {
          const d = ISO_DIGITS[c] as number;
          if (d === 0 && frac !== undefined) return; // covered by the rejection tests
          const input = frac === undefined ? whole : `${whole}.${frac}`;
          const minor = parseMajor(input, c);
          expect(minor).not.toBeNull();
          const normalWhole = whole.replace(/^0+(?=\d)/, "");
          const expected = d === 0 ? normalWhole : `${normalWhole}.${(frac ?? "").padEnd(d, "0")}`;
          expect(formatMinor(minor as bigint, c)).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
