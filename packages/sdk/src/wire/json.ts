/**
 * Lossless JSON for the contract's int64 fields (CONTRACT.md section 1): the server writes
 * `redeemed_shop_id` as a bare JSON number with every digit, which `JSON.parse` would round
 * through a double. Before parsing, a small scanner that knows where strings start and end
 * quotes the numbers of int64 fields, so they reach the caller as exact decimal strings.
 */

/** Fields typed int64 in TTLS that the SDK exposes as decimal strings. */
export const INT64_FIELDS: ReadonlySet<string> = new Set(["redeemed_shop_id"]);

/** Quotes the number values of `fields` (outside strings), leaving everything else untouched. */
export function quoteInt64Fields(text: string, fields: ReadonlySet<string> = INT64_FIELDS): string {
  let out = "";
  let copied = 0;
  let lastString: string | null = null;
  let afterColonOfKey: string | null = null;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      i += 1;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 2;
        else if (d === 0x22) break;
        else i += 1;
      }
      i += 1;
      lastString = text.slice(start + 1, i - 1);
      afterColonOfKey = null;
      continue;
    }
    if (c === 0x3a /* : */) {
      afterColonOfKey = lastString;
      lastString = null;
      i += 1;
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      i += 1;
      while (i < n) {
        const d = text.charCodeAt(i);
        if ((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d)
          i += 1;
        else break;
      }
      const literal = text.slice(start, i);
      if (afterColonOfKey !== null && fields.has(afterColonOfKey) && /^-?\d+$/.test(literal)) {
        out += `${text.slice(copied, start)}"${literal}"`;
        copied = i;
      }
      afterColonOfKey = null;
      lastString = null;
      continue;
    }
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
      afterColonOfKey = null;
      lastString = null;
    }
    i += 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** `JSON.parse`, with int64 fields kept exact as decimal strings. */
export function parseJson(text: string): unknown {
  return JSON.parse(quoteInt64Fields(text));
}
