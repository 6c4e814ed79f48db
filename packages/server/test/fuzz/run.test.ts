/**
 * A short fuzz run (the same function as `npm run fuzz`) inside the normal tests: a few thousand
 * inputs across the QR codec and both endpoints answer only documented rows, and no forged QR
 * opens. `FUZZ_INPUTS` and `FUZZ_SEED` change its size and seed.
 */
import { describe, expect, it } from "vitest";
import { runFuzz } from "./run.js";

const INPUTS = Number(process.env.FUZZ_INPUTS ?? 3_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261129);

describe("fuzz run (short)", () => {
  it(`${INPUTS} inputs answer only documented rows; no forged QR opens`, { timeout: 120_000 }, async () => {
    const r = await runFuzz({ inputs: INPUTS, seed: SEED, chunk: 1_000, log: () => undefined });
    expect(r.violations.examples).toEqual([]);
    expect(r.violations.count).toBe(0);
    expect(r.forged_qr_opened).toBe(0);
    expect(r.inputs_total).toBe(INPUTS);
    // Every target got its share, the genuine controls ran (and opened), and the answers reached
    // the rows the inputs aim at, so the checks above had something to check.
    for (const target of ["qr", "query", "redeem"] as const)
      expect(r.inputs_by_target[target]).toBeGreaterThan(0);
    expect(r.controls.run).toBeGreaterThanOrEqual(3);
    expect(r.controls.failed).toBe(0);
    for (const row of ["G1", "G10", "G11", "G12"]) expect(r.answers_by_row.qr[row] ?? 0).toBeGreaterThan(0);
    for (const row of ["G1", "G3", "G10", "G11"]) expect(r.answers_by_row.query[row] ?? 0).toBeGreaterThan(0);
    for (const row of ["R1", "R3", "R12", "R14"])
      expect(r.answers_by_row.redeem[row] ?? 0).toBeGreaterThan(0);
    expect(r.answers_by_row.qr.OPENED).toBeUndefined();
  });
});
