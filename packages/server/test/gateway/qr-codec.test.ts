/**
 * Property tests of the QR codec (CONTRACT.md section 4): genuine QRs round-trip; nothing forged
 * or altered ever opens, and each refusal answers the contract's row (G1 no prefix, G10 not
 * unpadded base64url or too short, G11 unknown version or authentication failed, G12 decrypts
 * but is not the QR JSON).
 */
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Result } from "../../src/core/result.js";
import { QrCodec, type QrPayload } from "../../src/gateway/qr-codec.js";
import {
  forgedQrRow,
  nonQrPlaintexts,
  qrMutations,
  qrPayloads,
  randomQrStrings,
} from "../support/fuzz-inputs.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 5_000);
const params = { numRuns: RUNS };
const codec = new QrCodec(randomBytes(32));

const rowOf = (r: Result<QrPayload>) => (r.ok ? "ok" : r.row);

/** Genuine QRs whose byte lengths cover every remainder mod 3 (so every last-character case). */
function genuineQrs(c: QrCodec, n = 24): string[] {
  return Array.from({ length: n }, (_, i) =>
    c.seal({
      v: 1,
      shop_order_id: String(5800000000000000001n + BigInt(i)),
      qr_id: "q".repeat(1 + i),
      iat: 1764000000 + i,
      exp: 1764000120 + i,
    }),
  );
}

describe("QR codec", () => {
  it("seal then open round-trips any valid payload", () => {
    fc.assert(
      fc.property(qrPayloads, (p) => {
        const qr = codec.seal(p as QrPayload);
        expect(qr.startsWith("TT-")).toBe(true);
        expect(forgedQrRow(qr)).toBe("G11"); // well-formed: only the key can tell it is genuine
        const r = codec.open(qr);
        expect(r).toEqual({ ok: true, value: p });
      }),
      params,
    );
  });

  it("two seals of one payload differ (fresh nonce) and both open", () => {
    fc.assert(
      fc.property(qrPayloads, (p) => {
        const a = codec.seal(p as QrPayload);
        const b = codec.seal(p as QrPayload);
        expect(a).not.toBe(b);
        expect(codec.open(a).ok && codec.open(b).ok).toBe(true);
      }),
      { numRuns: Math.min(RUNS, 1000) },
    );
  });

  it("the row oracle agrees with the contract on hand-picked strings", () => {
    const qr = genuineQrs(codec, 3);
    for (const g of qr) expect(codec.open(g).ok).toBe(true);
    const g = qr[0] as string;
    expect(forgedQrRow(g.slice(3))).toBe("G1");
    expect(forgedQrRow(`${g}=`)).toBe("G10");
    expect(forgedQrRow("TT-")).toBe("G10");
    expect(forgedQrRow(`TT-${"A".repeat(38)}`)).toBe("G10"); // 28 bytes: too short
    expect(forgedQrRow(`TT-${"A".repeat(41)}`)).toBe("G10"); // length 1 mod 4
    expect(forgedQrRow(`TT-${"A".repeat(40)}`)).toBe("G11"); // 30 bytes
    expect(forgedQrRow(`TT-${"A".repeat(38)}B`)).toBe("G10"); // 29 bytes, but unused bits set
    expect(forgedQrRow(`TT-${"A".repeat(38)}E`)).toBe("G11"); // 29 bytes, canonical
    expect(codec.open(`TT-${"A".repeat(38)}B`)).toMatchObject({ ok: false, row: "G10" });
    expect(codec.open(`TT-${"A".repeat(40)}`)).toMatchObject({ ok: false, row: "G11" }); // version 0
  });

  it("no alteration of a sealed QR opens; each answers its contract row", () => {
    const genuine = genuineQrs(codec);
    const seen = new Map<string, Set<string>>();
    fc.assert(
      fc.property(qrMutations(genuine), ({ kind, qr }) => {
        const r = codec.open(qr);
        expect(r.ok).toBe(false);
        expect(rowOf(r)).toBe(forgedQrRow(qr));
        const rows = seen.get(kind) ?? new Set<string>();
        rows.add(rowOf(r));
        seen.set(kind, rows);
      }),
      { numRuns: RUNS * 4 },
    );
    // The generators reached every kind, and the kinds whose row is fixed answered only it.
    expect(seen.size).toBe(16);
    for (const kind of ["bit_flip", "byte_change", "byte_swap", "extend_bytes", "splice"])
      expect([...(seen.get(kind) ?? [])]).toEqual(["G11"]);
    for (const kind of ["padding", "standard_alphabet"]) expect([...(seen.get(kind) ?? [])]).toEqual(["G10"]);
    expect(seen.get("prefix")?.has("G1")).toBe(true);
    expect(seen.get("truncate_bytes")).toEqual(new Set(["G10", "G11"]));
    expect(seen.get("char_change")).toEqual(new Set(["G1", "G10", "G11"]));
  });

  it("a changed last character never opens, even when only its unused bits differ", () => {
    for (const qr of genuineQrs(codec)) {
      const last = qr.length - 1;
      for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") {
        if (ch === qr[last]) continue;
        const altered = qr.slice(0, last) + ch;
        expect(codec.open(altered).ok).toBe(false);
        expect(rowOf(codec.open(altered))).toBe(forgedQrRow(altered));
      }
    }
  });

  it("a QR sealed with another key never opens (G11)", () => {
    fc.assert(
      fc.property(qrPayloads, fc.uint8Array({ minLength: 32, maxLength: 32 }), (p, key) => {
        const other = new QrCodec(Buffer.from(key));
        const qr = other.seal(p as QrPayload);
        expect(other.open(qr).ok).toBe(true);
        expect(codec.open(qr)).toMatchObject({ ok: false, row: "G11" });
      }),
      params,
    );
  });

  it("random strings and random TT- bytes never open; each answers its contract row", () => {
    fc.assert(
      fc.property(randomQrStrings, (qr) => {
        const r = codec.open(qr);
        expect(r.ok).toBe(false);
        expect(rowOf(r)).toBe(forgedQrRow(qr));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("a sealed plaintext that is not the QR JSON answers G12", () => {
    fc.assert(
      fc.property(nonQrPlaintexts, (plaintext) => {
        expect(codec.open(codec.sealBytes(plaintext))).toMatchObject({ ok: false, row: "G12" });
      }),
      params,
    );
  });

  it("an unknown version byte answers G11 even with a valid tag position", () => {
    fc.assert(
      fc.property(
        qrPayloads,
        fc.integer({ min: 0, max: 255 }).filter((v) => v !== 1),
        (p, version) => {
          const raw = Buffer.from(codec.seal(p as QrPayload).slice(3), "base64url");
          raw[0] = version;
          expect(codec.open(`TT-${raw.toString("base64url")}`)).toMatchObject({ ok: false, row: "G11" });
        },
      ),
      { numRuns: Math.min(RUNS, 1000) },
    );
  });
});
