/**
 * Generators of fuzzed inputs shared by the fuzz tests and the 1 000 000-input fuzz run:
 * malformed request bodies for the two SaaS endpoints, and forged or altered QR strings with
 * the row CONTRACT.md section 4 says each one answers.
 */
import fc from "fast-check";
import { MERCHANT, SHOP_1 } from "./world.js";

export type Endpoint = "query" | "redeem";

export interface FuzzRequest {
  readonly contentType: string;
  readonly body: string;
}

export const digits = (n: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: n, maxLength: n });

export const wrongType = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);

export const codeish = fc.oneof(
  { arbitrary: digits(12), weight: 4 },
  { arbitrary: digits(11), weight: 1 },
  { arbitrary: digits(13), weight: 1 },
  { arbitrary: fc.string({ maxLength: 20 }), weight: 1 },
  { arbitrary: fc.string({ minLength: 101, maxLength: 120 }), weight: 1 },
);

export const codeLists = fc.oneof(
  { arbitrary: fc.array(codeish, { minLength: 0, maxLength: 4 }), weight: 8 },
  { arbitrary: fc.array(digits(12), { minLength: 99, maxLength: 102 }), weight: 1 },
);

export const qrish = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ maxLength: 60 }).map((s) => `TT-${s}`),
  fc.uint8Array({ minLength: 0, maxLength: 80 }).map((b) => `TT-${Buffer.from(b).toString("base64url")}`),
  fc.uint8Array({ minLength: 0, maxLength: 80 }).map((b) => `TT-${Buffer.from(b).toString("base64")}`),
);

/** A well-formed body of each endpoint that cannot succeed (no voucher has this code). */
export function validBody(endpoint: Endpoint): Record<string, unknown> {
  return endpoint === "query"
    ? { merchant_id: MERCHANT, third_shop_id: SHOP_1, code_list: ["123456789012"], locale: "en-US" }
    : {
        merchant_id: MERCHANT,
        third_shop_id: SHOP_1,
        shop_order_id: "5800000000000000001",
        code_list: ["123456789012"],
        locale: "id-ID",
      };
}

/** A request body that cannot succeed: the world has no such vouchers, and many are malformed besides. */
export function bodies(endpoint: Endpoint): fc.Arbitrary<FuzzRequest> {
  const valid = validBody(endpoint);
  const keys = Object.keys(valid);
  const mutated = fc
    .record({
      drop: fc.oneof(
        { arbitrary: fc.constant([] as string[]), weight: 3 },
        { arbitrary: fc.subarray(keys, { maxLength: 2 }), weight: 1 },
      ),
      retype: fc.oneof(
        { arbitrary: fc.constant({} as Record<string, unknown>), weight: 3 },
        { arbitrary: fc.dictionary(fc.constantFrom(...keys), wrongType, { maxKeys: 2 }), weight: 1 },
      ),
      codes: fc.option(codeLists, { nil: undefined, freq: 4 }),
      dupCodes: fc.boolean(),
      qr: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: qrish, weight: 1 }),
      qrOnly: fc.boolean(),
      shopOrder: fc.option(fc.oneof(fc.string({ maxLength: 25 }), digits(20), digits(19)), {
        nil: undefined,
        freq: 2,
      }),
      extra: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
    })
    .map((m) => {
      const b: Record<string, unknown> = { ...valid, ...m.extra };
      for (const k of m.drop) delete b[k];
      if (m.codes !== undefined)
        b.code_list = m.dupCodes && m.codes.length > 0 ? [...m.codes, m.codes[0]] : m.codes;
      if (m.qr !== undefined) {
        b.qr_info = m.qr;
        if (m.qrOnly) delete b.code_list;
      }
      if (m.shopOrder !== undefined && endpoint === "redeem") b.shop_order_id = m.shopOrder;
      Object.assign(b, m.retype);
      return { contentType: "application/json", body: JSON.stringify(b) };
    });
  const rawJson = fc
    .jsonValue({ maxDepth: 3 })
    .map((v) => ({ contentType: "application/json", body: JSON.stringify(v) }));
  const garbage = fc.string({ maxLength: 200 }).map((s) => ({ contentType: "application/json", body: s }));
  const otherType = fc
    .tuple(
      fc.constantFrom(
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
        "multipart/form-data",
      ),
      fc.string({ maxLength: 100 }),
    )
    .map(([contentType, body]) => ({ contentType, body }));
  return fc.oneof(
    { arbitrary: mutated, weight: 6 },
    { arbitrary: rawJson, weight: 2 },
    { arbitrary: garbage, weight: 1 },
    { arbitrary: otherType, weight: 1 },
  );
}

// ---------------------------------------------------------------------------------------------
// QR strings

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const MAX_QR_TEXT = 4096;
const MIN_QR_BYTES = 1 + 12 + 16;

export type QrRefusal = "G1" | "G10" | "G11";

/**
 * The row CONTRACT.md section 4 gives a string that is not a QR sealed with the key: no `TT-`
 * prefix is G1; outside the alphabet, not a canonical unpadded base64url length/last character,
 * or too short for version+nonce+tag is G10; anything else fails authentication (G11).
 * Written from the contract, independently of the codec.
 */
export function forgedQrRow(qr: string): QrRefusal {
  if (!qr.startsWith("TT-")) return "G1";
  const text = qr.slice(3);
  if (text.length > MAX_QR_TEXT) return "G10";
  for (const ch of text) if (!ALPHABET.includes(ch)) return "G10";
  const rest = text.length % 4;
  if (rest === 1) return "G10";
  // The last character of a 2- or 3-character group carries 4 or 2 unused bits, which must be 0.
  if (rest !== 0 && (ALPHABET.indexOf(text[text.length - 1] as string) & (rest === 2 ? 0x0f : 0x03)) !== 0)
    return "G10";
  const bytes = Math.floor(text.length / 4) * 3 + (rest === 0 ? 0 : rest - 1);
  if (bytes < MIN_QR_BYTES) return "G10";
  return "G11";
}

export type QrMutationKind =
  | "bit_flip"
  | "byte_change"
  | "byte_swap"
  | "truncate_bytes"
  | "truncate_text"
  | "extend_bytes"
  | "extend_text"
  | "char_change"
  | "last_char"
  | "char_bit_flip"
  | "char_insert"
  | "char_delete"
  | "padding"
  | "standard_alphabet"
  | "prefix"
  | "splice";

export interface QrMutation {
  readonly kind: QrMutationKind;
  readonly qr: string;
}

const encode = (bytes: Uint8Array) => `TT-${Buffer.from(bytes).toString("base64url")}`;
const anyChar = fc.oneof(
  { arbitrary: fc.constantFrom(...ALPHABET), weight: 6 },
  { arbitrary: fc.constantFrom("=", "+", "/", ".", " ", "\n", "%", "~", "\u0000", "é", "😀"), weight: 2 },
  { arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: "binary" }), weight: 1 },
);

/**
 * Every kind of alteration of a genuine sealed QR; each result differs from the genuine string
 * (so none may open). `others` are other genuine QRs to splice parts from.
 */
export function qrMutations(genuine: readonly string[]): fc.Arbitrary<QrMutation> {
  const pickQr = fc.constantFrom(...genuine);
  const withBytes = pickQr.map((qr) => ({ qr, raw: Buffer.from(qr.slice(3), "base64url") }));
  const m = (kind: QrMutationKind, arb: fc.Arbitrary<string>) =>
    arb.map((qr) => ({ kind, qr }) as QrMutation);
  const byteMutations = [
    m(
      "bit_flip",
      withBytes.chain(({ raw }) =>
        fc.nat({ max: raw.length * 8 - 1 }).map((bit) => {
          const b = Buffer.from(raw);
          b[bit >> 3] = (b[bit >> 3] as number) ^ (1 << (bit & 7));
          return encode(b);
        }),
      ),
    ),
    m(
      "byte_change",
      withBytes.chain(({ raw }) =>
        fc.tuple(fc.nat({ max: raw.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
          const b = Buffer.from(raw);
          b[i] = (b[i] as number) ^ x;
          return encode(b);
        }),
      ),
    ),
    m(
      "byte_swap",
      withBytes.chain(({ raw }) =>
        fc
          .tuple(fc.nat({ max: raw.length - 1 }), fc.nat({ max: raw.length - 1 }))
          .filter(([i, j]) => raw[i] !== raw[j])
          .map(([i, j]) => {
            const b = Buffer.from(raw);
            b[i] = raw[j] as number;
            b[j] = raw[i] as number;
            return encode(b);
          }),
      ),
    ),
    m(
      "truncate_bytes",
      withBytes.chain(({ raw }) => fc.nat({ max: raw.length - 1 }).map((n) => encode(raw.subarray(0, n)))),
    ),
    m(
      "extend_bytes",
      withBytes.chain(({ raw }) =>
        fc
          .uint8Array({ minLength: 1, maxLength: 48 })
          .map((extra) => encode(Buffer.concat([raw, Buffer.from(extra)]))),
      ),
    ),
    m(
      "splice",
      fc.tuple(withBytes, withBytes, fc.constantFrom("nonce", "tag", "body")).map(([a, b, part]) => {
        const out = Buffer.from(a.raw);
        if (part === "nonce") b.raw.copy(out, 1, 1, 13);
        else if (part === "tag") b.raw.copy(out, out.length - 16, b.raw.length - 16);
        else b.raw.copy(out, 13, 13, Math.min(out.length - 16, b.raw.length - 16));
        return encode(out);
      }),
    ),
  ];
  const textMutations = [
    m(
      "truncate_text",
      pickQr.chain((qr) => fc.nat({ max: qr.length - 1 }).map((n) => qr.slice(0, n))),
    ),
    m(
      "extend_text",
      pickQr.chain((qr) =>
        fc
          .array(anyChar, { minLength: 1, maxLength: 8 })
          .map((cs) => qr + cs.join(""))
          .chain((s) => fc.constantFrom(s, s + "A".repeat(MAX_QR_TEXT))),
      ),
    ),
    m(
      "char_change",
      pickQr.chain((qr) =>
        fc
          .tuple(fc.nat({ max: qr.length - 1 }), anyChar)
          .map(([i, c]) => qr.slice(0, i) + c + qr.slice(i + 1)),
      ),
    ),
    m(
      "last_char",
      pickQr.chain((qr) => fc.constantFrom(...ALPHABET).map((c) => qr.slice(0, -1) + c)),
    ),
    m(
      "char_bit_flip",
      pickQr.chain((qr) =>
        fc
          .tuple(fc.nat({ max: qr.length - 1 }), fc.nat({ max: 6 }))
          .map(
            ([i, bit]) =>
              qr.slice(0, i) + String.fromCharCode(qr.charCodeAt(i) ^ (1 << bit)) + qr.slice(i + 1),
          ),
      ),
    ),
    m(
      "char_insert",
      pickQr.chain((qr) =>
        fc.tuple(fc.nat({ max: qr.length }), anyChar).map(([i, c]) => qr.slice(0, i) + c + qr.slice(i)),
      ),
    ),
    m(
      "char_delete",
      pickQr.chain((qr) => fc.nat({ max: qr.length - 1 }).map((i) => qr.slice(0, i) + qr.slice(i + 1))),
    ),
    m(
      "padding",
      pickQr.chain((qr) => fc.constantFrom("=", "==", "===").map((p) => qr + p)),
    ),
    m(
      "standard_alphabet",
      withBytes.chain(({ raw }) =>
        fc.boolean().map((pad) => {
          const s = raw.toString("base64");
          return `TT-${pad ? s : s.replace(/=+$/, "")}`;
        }),
      ),
    ),
    m(
      "prefix",
      pickQr.chain((qr) =>
        fc
          .constantFrom("", "tt-", "TT", "TT_", "T-", " TT-", "TT-TT-", "tT-", "TT--", "QR-")
          .map((p) => p + qr.slice(3)),
      ),
    ),
  ];
  const genuineSet = new Set(genuine);
  return fc.oneof(...byteMutations, ...textMutations).filter((x) => !genuineSet.has(x.qr));
}

/** Strings that were never sealed: random text, random `TT-` text, random bytes in base64url. */
export const randomQrStrings: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 120, unit: "binary" }),
  fc.string({ maxLength: 200 }).map((s) => `TT-${s}`),
  fc.string({ maxLength: 200, unit: fc.constantFrom(...ALPHABET) }).map((s) => `TT-${s}`),
  fc.uint8Array({ minLength: 0, maxLength: 200 }).map(encode),
  fc
    .uint8Array({ minLength: 29, maxLength: 200 })
    .map((b) => {
      b[0] = 1;
      return b;
    })
    .map(encode),
  fc.uint8Array({ minLength: 0, maxLength: 120 }).map((b) => `TT-${Buffer.from(b).toString("base64")}`),
);

// ---------------------------------------------------------------------------------------------
// QR payloads

const INT64_MAX = 9223372036854775807n;

/** Any payload the contract calls valid (iat and exp are any non-negative safe integers). */
export const qrPayloads = fc.record({
  v: fc.constant(1 as const),
  shop_order_id: fc.bigInt({ min: 1n, max: INT64_MAX }).map(String),
  qr_id: fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 64 }),
      fc.string({ minLength: 1, maxLength: 64, unit: "binary" }),
      fc.base64String({ minLength: 1, maxLength: 64 }),
      fc.string({
        minLength: 1,
        maxLength: 4,
        unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
      }),
    )
    .filter((s) => s.length >= 1 && s.length <= 64),
  iat: fc.maxSafeNat(),
  exp: fc.maxSafeNat(),
});

/** The contract's QR JSON shape, checked independently of the codec. */
export function isQrShape(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const time = (t: unknown) => typeof t === "number" && Number.isSafeInteger(t) && t >= 0;
  return (
    v.v === 1 &&
    typeof v.shop_order_id === "string" &&
    /^[1-9][0-9]{0,18}$/.test(v.shop_order_id) &&
    BigInt(v.shop_order_id) <= INT64_MAX &&
    typeof v.qr_id === "string" &&
    v.qr_id.length >= 1 &&
    v.qr_id.length <= 64 &&
    time(v.iat) &&
    time(v.exp)
  );
}

/** A payload object with one field dropped or given a wrong value. */
const brokenPayloads = fc
  .tuple(
    qrPayloads,
    fc.constantFrom("v", "shop_order_id", "qr_id", "iat", "exp"),
    fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 2 },
      { arbitrary: wrongType, weight: 2 },
      {
        arbitrary: fc.constantFrom(
          0,
          2,
          -1,
          1.5,
          2 ** 53,
          "1",
          "",
          "0",
          "01",
          "9223372036854775808",
          "99999999999999999999",
          "x".repeat(65),
          " 1",
        ),
        weight: 3,
      },
    ),
  )
  .map(([p, key, value]) => {
    const o: Record<string, unknown> = { ...p };
    if (value === undefined) delete o[key];
    else o[key] = value;
    return o;
  });

/** Plaintexts that decrypt fine but are not the QR JSON: the codec must answer G12. */
export const nonQrPlaintexts: fc.Arbitrary<Buffer> = fc
  .oneof(
    brokenPayloads.map((o) => Buffer.from(JSON.stringify(o), "utf8")),
    fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? "null", "utf8")),
    fc.string({ maxLength: 80, unit: "binary" }).map((s) => Buffer.from(s, "utf8")),
    fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
    qrPayloads.map((p) => Buffer.from(JSON.stringify(p).slice(0, -1), "utf8")),
    qrPayloads.map((p) => Buffer.concat([Buffer.from(JSON.stringify(p), "utf8"), Buffer.from([0xff])])),
    qrPayloads.map((p) => Buffer.from(JSON.stringify([p]), "utf8")),
  )
  .filter((b) => {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(b));
    } catch {
      return true;
    }
    return !isQrShape(value);
  });
